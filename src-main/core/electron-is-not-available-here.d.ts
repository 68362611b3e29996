// Only the Electron shell (src-main/app) may import 'electron'. tsconfig.node.json maps the module here so that an
// import anywhere else fails the type check: everything outside the shell must run in plain Node.
export {};
