/** The workspace's keyboard shortcuts (Ctrl/Cmd+O is the shell's). */
export type WorkspaceAction =
  | 'play-pause'
  | 'play-region'
  | 'loop'
  | 'zoom-in'
  | 'zoom-out'
  | 'nudge-left'
  | 'nudge-right'
  | 'delete'
  | 'deselect'
  | 'region-start'
  | 'region-end';

/** Keys typed into a field (the chat's question, a region's name) are the field's, never a shortcut. */
export function isTypingTarget(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable) return true;
  if (target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement) return true;
  if (target instanceof HTMLInputElement) return !['checkbox', 'radio', 'button', 'color', 'range'].includes(target.type);
  return target.getAttribute('role') === 'textbox';
}

/** Widgets that use the arrow keys themselves (radio groups, tabs, sliders, lists, menus). */
const ARROW_WIDGETS =
  '[role="radiogroup"], [role="tablist"], [role="listbox"], [role="menu"], [role="menubar"], [role="slider"], [role="grid"], [role="tree"], input[type="radio"], input[type="range"]';

/** Whether the focused element handles this key itself, so the workspace must leave it alone. */
export function keyBelongsToTarget(event: KeyboardEvent): boolean {
  if (isTypingTarget(event.target)) return true;
  if (!event.key.startsWith('Arrow') || !(event.target instanceof Element)) return false;
  return event.target.closest(ARROW_WIDGETS) !== null;
}

export function shortcutFor(event: KeyboardEvent): WorkspaceAction | null {
  if (event.ctrlKey || event.metaKey || event.altKey) return null;
  const key = event.key;
  if (key === ' ' || event.code === 'Space') return event.shiftKey ? 'play-region' : 'play-pause';
  switch (key.toLowerCase()) {
    case 'l':
      return event.shiftKey ? null : 'loop';
    case 'z':
      return event.shiftKey ? 'zoom-out' : 'zoom-in';
    case 'arrowleft':
      return 'nudge-left';
    case 'arrowright':
      return 'nudge-right';
    case 'delete':
    case 'backspace':
      return 'delete';
    case 'escape':
      return 'deselect';
    case '[':
      return 'region-start';
    case ']':
      return 'region-end';
    default:
      return null;
  }
}
