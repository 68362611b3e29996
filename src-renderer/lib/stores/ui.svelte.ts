/** Page-level UI state that several components share: the About dialog and the file picker. */
export class UiStore {
  aboutOpen = $state(false);
  private picker: (() => void) | null = null;

  /** The Open button registers how to choose files (open dialog in Electron, the hidden file input in a browser). */
  registerPicker(picker: () => void): () => void {
    this.picker = picker;
    return () => {
      if (this.picker === picker) this.picker = null;
    };
  }

  chooseFiles(): void {
    this.picker?.();
  }
}
