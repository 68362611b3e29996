import WaveSurfer from 'wavesurfer.js';
import HoverPlugin from 'wavesurfer.js/dist/plugins/hover.esm.js';
import MinimapPlugin from 'wavesurfer.js/dist/plugins/minimap.esm.js';
import RegionsPlugin, { type Region as WsRegion } from 'wavesurfer.js/dist/plugins/regions.esm.js';
import type { Region } from '../../src-common/api/library';
import type { AudioDescription, PeaksResult } from '../../src-common/audio/schemas';
import { formatClock } from '../lib/format';
import { envelopeRenderer, PeakTrack, SERVER_FINEST_SPP } from './peak-track';
import { withAlpha } from './time';

/** Widest wrapper the page lays out (Chromium's element size limit is 2^25 px). */
const MAX_TOTAL_PX = 16_000_000;
/** Deepest zoom: two samples per pixel (at least this many pixels per second). */
const MIN_MAX_PX_PER_SEC = 1000;
/** Most samples (frames × channels) fetched at once to draw a zoomed-in window. */
const MAX_SAMPLE_VALUES = 1 << 20;

export interface WaveViewHooks {
  /** Asks the main side for a peaks window (audio.peaks). */
  fetchPeaks(start: number, end: number, width: number): Promise<PeaksResult>;
  /** Asks for the native samples of a short window (audio.samples), decoded: per channel, from `start` seconds. */
  fetchSamples(start: number, end: number): Promise<{ start: number; channels: Float32Array[] }>;
  /** The visible window or zoom changed (throttled to animation frames). */
  onView(start: number, end: number, pxPerSec: number): void;
  onTime(time: number, playing: boolean): void;
  /** The user drew a region with the mouse. */
  onRegionDrawn(start: number, end: number): void;
  /** The user moved or resized a region (drag end). */
  onRegionChanged(id: string, start: number, end: number): void;
  onRegionClicked(id: string): void;
  onRegionDoubleClicked(id: string): void;
  onPeaksError(message: string): void;
}

interface Colours {
  wave: string;
  progress: string;
  cursor: string;
}

/**
 * The waveform: wavesurfer.js drawing peaks from the main side (never decoding the file in the page), playing through
 * the given media element that streams the file with Range; regions, hover time and a minimap from its plugins.
 * Detail follows the view: when the visible window needs finer peaks than are loaded, they are fetched and drawn.
 */
export class WaveView {
  readonly ws: WaveSurfer;
  readonly track: PeakTrack;
  private readonly regions: ReturnType<typeof RegionsPlugin.create>;
  private split = false;
  private syncing = false;
  private destroyed = false;
  private fetchTimer: ReturnType<typeof setTimeout> | undefined;
  private viewFrame = 0;
  private inFlight = false;
  private pendingFetch = false;
  private readonly known = new Map<string, WsRegion>();
  private selectedId: string | null = null;
  /** Regions are added once wavesurfer knows the duration (the plugin mispositions regions added before). */
  private loaded = false;
  private pendingSync: [readonly Region[], string | null] | null = null;
  /** The shading over the part of the selection the model hears (not a region: it cannot be clicked or moved). */
  private heard: WsRegion | null = null;
  private heardSpan: { start: number; end: number } | null = null;

  constructor(
    container: HTMLElement,
    minimapContainer: HTMLElement,
    private readonly media: HTMLMediaElement,
    description: AudioDescription,
    private readonly hooks: WaveViewHooks,
    colours: Colours,
  ) {
    this.track = new PeakTrack(description.sampleRate, description.frames, description.channels);
    this.regions = RegionsPlugin.create();
    this.ws = WaveSurfer.create({
      container,
      height: 160,
      media,
      peaks: this.track.arrays(false),
      duration: Math.max(this.track.duration, 0.001),
      waveColor: colours.wave,
      progressColor: colours.progress,
      cursorColor: colours.cursor,
      cursorWidth: 2,
      renderFunction: envelopeRenderer(['max', 'min']),
      minPxPerSec: 0,
      autoScroll: true,
      autoCenter: true,
      dragToSeek: false,
      plugins: [
        this.regions,
        HoverPlugin.create({
          lineColor: colours.cursor,
          lineWidth: 1,
          labelBackground: 'rgba(20, 24, 40, 0.85)',
          labelColor: '#fff',
          labelSize: 11,
          formatTimeCallback: (seconds) => formatClock(seconds),
        }),
        MinimapPlugin.create({
          height: 36,
          waveColor: colours.wave,
          progressColor: colours.progress,
          cursorColor: colours.cursor,
          overlayColor: 'rgba(59, 75, 216, 0.18)',
          renderFunction: envelopeRenderer(['max', 'min']),
          container: minimapContainer,
        }),
      ],
    });
    this.regions.enableDragSelection({ color: withAlpha('#6d5dfc', 0.22) }, 4);
    this.regions.on('region-created', (region) => {
      // Regions added from the store (possibly announced later, once wavesurfer is ready) are known by id.
      if (this.syncing || this.known.get(region.id) === region) return;
      // A region the user drew: the store creates the real one (with its id and colour); this one goes.
      const { start, end } = region;
      region.remove();
      if (end - start > 0.001) this.hooks.onRegionDrawn(start, end);
    });
    this.regions.on('region-updated', (region) => {
      if (this.syncing || this.known.get(region.id) !== region) return;
      this.hooks.onRegionChanged(region.id, region.start, region.end);
    });
    this.regions.on('region-clicked', (region, event) => {
      event.stopPropagation();
      this.hooks.onRegionClicked(region.id);
    });
    this.regions.on('region-double-clicked', (region, event) => {
      event.stopPropagation();
      this.hooks.onRegionDoubleClicked(region.id);
    });
    this.ws.on('scroll', () => this.viewChanged());
    this.ws.on('zoom', () => this.viewChanged());
    this.ws.on('resize', () => this.viewChanged());
    this.ws.on('ready', () => {
      this.viewChanged();
      if (!this.loaded) {
        this.loaded = true;
        if (this.pendingSync) this.syncRegions(...this.pendingSync);
        this.pendingSync = null;
        this.showHeard(this.heardSpan);
      }
    });
    this.ws.on('timeupdate', (time) => this.hooks.onTime(time, this.ws.isPlaying()));
    this.ws.on('play', () => this.hooks.onTime(this.ws.getCurrentTime(), true));
    this.ws.on('pause', () => this.hooks.onTime(this.ws.getCurrentTime(), false));
  }

  get duration(): number {
    return this.track.duration;
  }

  /** The visible window in seconds. */
  view(): { start: number; end: number; pxPerSec: number } {
    const duration = this.duration;
    const wrapper = this.ws.getWrapper();
    const total = wrapper.scrollWidth || 1;
    const width = this.ws.getWidth() || total;
    if (total <= width + 1) return { start: 0, end: duration, pxPerSec: width / Math.max(duration, 1e-9) };
    const scroll = this.ws.getScroll();
    return { start: (scroll / total) * duration, end: Math.min(duration, ((scroll + width) / total) * duration), pxPerSec: total / duration };
  }

  /** Fit-to-width zoom, in pixels per second. */
  minZoom(): number {
    return (this.ws.getWidth() || 800) / Math.max(this.duration, 1e-9);
  }

  maxZoom(): number {
    const limit = Math.max(MIN_MAX_PX_PER_SEC, this.track.sampleRate / 2);
    return Math.max(this.minZoom(), Math.min(limit, MAX_TOTAL_PX / Math.max(this.duration, 1e-9)));
  }

  /** Zooms by a factor, keeping the time at `anchorX` (px from the view's left edge; default: the centre) in place. */
  zoomBy(factor: number, anchorX?: number): void {
    const { start, end, pxPerSec } = this.view();
    const width = this.ws.getWidth();
    const x = anchorX ?? width / 2;
    const anchorTime = start + (x / Math.max(width, 1)) * (end - start);
    const next = Math.min(this.maxZoom(), Math.max(this.minZoom(), pxPerSec * factor));
    if (Math.abs(next - pxPerSec) < 1e-9) return;
    const fits = next <= this.minZoom() * 1.0001;
    this.ws.zoom(fits ? 0 : next);
    if (!fits) this.ws.setScroll(Math.max(0, anchorTime * next - x));
    this.viewChanged();
  }

  /** Shows [start, end] (zooming in when it is narrower than the view). */
  reveal(start: number, end: number): void {
    const { start: viewStart, end: viewEnd, pxPerSec } = this.view();
    if (start >= viewStart && end <= viewEnd) return;
    const width = this.ws.getWidth();
    const span = Math.max(end - start, 0.01);
    let zoom = pxPerSec;
    if (span > viewEnd - viewStart) {
      zoom = Math.max(this.minZoom(), width / (span * 1.2));
      this.ws.zoom(zoom <= this.minZoom() * 1.0001 ? 0 : zoom);
    }
    this.ws.setScroll(Math.max(0, ((start + end) / 2) * zoom - width / 2));
    this.viewChanged();
  }

  private viewChanged(): void {
    if (this.destroyed) return;
    if (!this.viewFrame) {
      this.viewFrame = requestAnimationFrame(() => {
        this.viewFrame = 0;
        if (this.destroyed) return;
        const { start, end, pxPerSec } = this.view();
        this.hooks.onView(start, end, pxPerSec);
      });
    }
    clearTimeout(this.fetchTimer);
    this.fetchTimer = setTimeout(() => void this.refine(), 120);
  }

  /** The whole file at a coarse level, first: the overview the minimap and a zoomed-out view draw. */
  async loadOverview(): Promise<void> {
    const width = Math.min(8192, Math.max(1024, Math.round((this.ws.getWidth() || 1000) * 2)));
    try {
      const result = await this.hooks.fetchPeaks(0, this.duration, width);
      if (this.destroyed) return;
      this.track.fill(result);
      this.redraw(true);
    } catch (error) {
      if (!this.destroyed) this.hooks.onPeaksError((error as Error).message);
      return;
    }
    void this.refine();
  }

  /** Fetches finer peaks for the visible window (with a margin on each side) when those loaded are too coarse. */
  private async refine(): Promise<void> {
    if (this.destroyed) return;
    if (this.inFlight) {
      this.pendingFetch = true;
      return;
    }
    const { start, end } = this.view();
    const width = Math.max(1, this.ws.getWidth());
    const span = end - start;
    if (span <= 0) return;
    const wanted = (span * this.track.sampleRate) / width;
    if (this.track.covered(start, end, wanted)) return;
    this.inFlight = true;
    try {
      // Finer than the server keeps: the samples themselves, for a short window only.
      const fromSamples = wanted < SERVER_FINEST_SPP && this.track.spp < SERVER_FINEST_SPP;
      const margin = fromSamples ? span / 4 : span / 2;
      const from = Math.max(0, start - margin);
      const to = Math.min(this.duration, end + margin);
      let changed: boolean;
      if (fromSamples && (to - from) * this.track.sampleRate * this.track.channels <= MAX_SAMPLE_VALUES) {
        const samples = await this.hooks.fetchSamples(from, to);
        if (this.destroyed) return;
        changed = this.track.fillFromSamples(samples.channels, Math.round(samples.start * this.track.sampleRate));
      } else {
        const result = await this.hooks.fetchPeaks(from, to, Math.min(8192, Math.ceil(((to - from) / span) * width)));
        if (this.destroyed) return;
        changed = this.track.fill(result);
      }
      if (changed) this.redraw(false);
    } catch (error) {
      if (!this.destroyed) this.hooks.onPeaksError((error as Error).message);
    } finally {
      this.inFlight = false;
    }
    if (this.pendingFetch) {
      this.pendingFetch = false;
      void this.refine();
    }
  }

  /** Draws the peak arrays again (wavesurfer keeps them by reference); the minimap too after an overview. */
  private redraw(withMinimap: boolean): void {
    if (withMinimap) {
      void this.ws.load(this.media.currentSrc || this.media.src, this.track.arrays(this.split), this.duration).catch(() => undefined);
    } else {
      this.ws.setOptions({});
    }
  }

  setSplit(split: boolean): void {
    if (this.track.channels < 2 || split === this.split) return;
    this.split = split;
    const lanes = this.track.channels;
    this.ws.setOptions({
      height: split ? Math.max(60, Math.round(160 / Math.min(lanes, 4)) + 20) : 160,
      splitChannels: split
        ? Array.from({ length: lanes * 2 }, (_, i) => ({
            overlay: i % 2 === 1,
            renderFunction: envelopeRenderer([i % 2 === 0 ? 'max' : 'min']),
          }))
        : undefined,
    });
    this.redraw(true);
  }

  setRate(rate: number): void {
    this.ws.setPlaybackRate(rate, true);
  }

  /** Makes the drawn regions match the saved ones. */
  syncRegions(regions: readonly Region[], selectedId: string | null): void {
    if (!this.loaded) {
      this.pendingSync = [regions, selectedId];
      return;
    }
    this.syncing = true;
    try {
      const wanted = new Set(regions.map((r) => r.id));
      for (const [id, drawn] of this.known) {
        if (!wanted.has(id)) {
          drawn.remove();
          this.known.delete(id);
        }
      }
      for (const region of regions) {
        const selected = region.id === selectedId;
        const color = withAlpha(region.color, selected ? 0.38 : 0.2);
        const content = region.label || '';
        const drawn = this.known.get(region.id);
        if (!drawn || drawn.isRemoved) {
          const created = this.regions.addRegion({ id: region.id, start: region.start, end: region.end, color, content, drag: true, resize: true });
          this.known.set(region.id, created);
          this.decorate(created, region, selected);
          continue;
        }
        if (drawn.isDragging) continue;
        const changed =
          Math.abs(drawn.start - region.start) > 1e-6 ||
          Math.abs(drawn.end - region.end) > 1e-6 ||
          drawn.color !== color ||
          (drawn.getContent() ?? '') !== content;
        if (changed) drawn.setOptions({ start: region.start, end: region.end, color, content });
        this.decorate(drawn, region, selected);
      }
      this.selectedId = selectedId;
    } finally {
      this.syncing = false;
    }
  }

  /** Shades the part the model hears (null: none, when all of the selection is heard). */
  showHeard(span: { start: number; end: number } | null): void {
    this.heardSpan = span;
    if (!this.loaded) return;
    this.syncing = true;
    try {
      if (!span) {
        this.heard?.remove();
        this.heard = null;
        return;
      }
      if (this.heard && !this.heard.isRemoved) {
        if (Math.abs(this.heard.start - span.start) > 1e-6 || Math.abs(this.heard.end - span.end) > 1e-6)
          this.heard.setOptions({ start: span.start, end: span.end });
      } else {
        this.heard = this.regions.addRegion({
          id: 'heard-part',
          start: span.start,
          end: span.end,
          drag: false,
          resize: false,
          color: 'transparent',
          content: 'heard',
        });
      }
      const element = this.heard.element;
      if (!element) return;
      element.setAttribute('data-testid', 'heard-shading');
      element.setAttribute('data-start', span.start.toFixed(3));
      element.setAttribute('data-end', span.end.toFixed(3));
      element.setAttribute('title', `The model hears ${formatClock(span.start)} – ${formatClock(span.end)}`);
      // Hatched, above the regions but transparent to the pointer: the region under it stays draggable.
      element.style.pointerEvents = 'none';
      element.style.zIndex = '5';
      element.style.background = 'repeating-linear-gradient(135deg, rgba(183, 121, 31, 0.28) 0 6px, rgba(183, 121, 31, 0.08) 6px 12px)';
      element.style.borderTop = '3px solid #b7791f';
      if (this.heard.content) {
        this.heard.content.style.font = '11px var(--mono, monospace)';
        this.heard.content.style.color = '#8a5a12';
        this.heard.content.style.padding = '0 4px';
        this.heard.content.style.pointerEvents = 'none';
      }
    } finally {
      this.syncing = false;
    }
  }

  private decorate(drawn: WsRegion, region: Region, selected: boolean): void {
    const element = drawn.element;
    if (!element) return;
    element.setAttribute('data-region-id', region.id);
    element.setAttribute('title', `${region.label || 'Region'}: ${formatClock(region.start)} – ${formatClock(region.end)}`);
    element.style.boxShadow = selected ? `inset 0 0 0 2px ${region.color}` : '';
    element.style.zIndex = selected ? '4' : '3';
    if (drawn.content) {
      drawn.content.style.color = 'var(--text, #1c1f2b)';
      drawn.content.style.fontSize = '12px';
      drawn.content.style.padding = '2px 4px';
      drawn.content.style.whiteSpace = 'nowrap';
      drawn.content.style.pointerEvents = 'none';
    }
  }

  get selectedRegion(): string | null {
    return this.selectedId;
  }

  destroy(): void {
    this.destroyed = true;
    clearTimeout(this.fetchTimer);
    if (this.viewFrame) cancelAnimationFrame(this.viewFrame);
    this.ws.destroy();
  }
}
