// A job's console that follows the job: each poll downloads the console so far and appends only the new bytes.
import { AnsiRenderer } from "./ansi.js";

const PREFIX_CHECK = 256;

export class LiveConsole {
  constructor(pre) {
    this.pre = pre;
    this.renderer = new AnsiRenderer(pre);
    this.decoder = new TextDecoder("utf-8");
    this.shown = new Uint8Array(0);
    this.follow = true;
  }

  /** Show `bytes`, the whole console so far; returns true when something new was shown. */
  update(bytes) {
    if (!this.continues(bytes)) {
      // a running console past its inline limit shows only its newest part: start over
      this.renderer.clear();
      this.decoder = new TextDecoder("utf-8");
      this.shown = new Uint8Array(0);
    }
    if (bytes.length === this.shown.length) return false;
    this.renderer.write(this.decoder.decode(bytes.subarray(this.shown.length), { stream: true }));
    this.shown = bytes;
    if (this.follow) this.pre.scrollTop = this.pre.scrollHeight;
    return true;
  }

  /** The console has ended: flush a multi-byte character the decoder still holds. */
  finish() {
    const tail = this.decoder.decode();
    if (tail) this.renderer.write(tail);
  }

  continues(bytes) {
    if (bytes.length < this.shown.length) return false;
    const length = Math.min(PREFIX_CHECK, this.shown.length);
    for (let i = 0; i < length; i++) if (bytes[i] !== this.shown[i]) return false;
    return true;
  }
}
