import { Api, chooseLink } from './api-session';

/** The page's one API session: every store and component reaches the app through it. */
export const api = new Api(chooseLink(window));
