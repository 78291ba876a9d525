// ANSI colours (SGR) of a build console as DOM nodes. The text only ever becomes text nodes, so nothing a
// build prints is parsed as HTML; escape sequences split across two chunks are held until complete.

const ESC = "\x1b";
const CSI = /^\x1b\[([0-?]*)[ -/]*([@-~])/;
const CSI_PARTIAL = /^\x1b(\[[0-?]*[ -/]*)?$/;
const NF = /^\x1b[ -/]+[0-~]/; // character set selection and the like: ESC ( B, as `tput sgr0` prints
const NF_PARTIAL = /^\x1b[ -/]+$/;
const MAX_PENDING = 256;


export class AnsiRenderer {
  /** Appends what `write` is given to `target`, styled by the SGR sequences in it. */
  constructor(target) {
    this.target = target;
    this.pending = "";
    this.reset();
  }

  reset() {
    this.style = { fg: null, bg: null, fgRgb: null, bgRgb: null, bold: false, dim: false, italic: false,
      underline: false, inverse: false };
  }

  /** Forget the text and styles shown so far (the console is shown again from its start). */
  clear() {
    this.target.replaceChildren();
    this.pending = "";
    this.reset();
  }

  write(chunk) {
    let text = this.pending + chunk;
    this.pending = "";
    // a trailing CR may be the first half of a CRLF
    if (text.endsWith("\r")) {
      this.pending = "\r";
      text = text.slice(0, -1);
    }
    text = text.replace(/\r\n/g, "\n").replace(/\r/g, "\n");
    const fragment = document.createDocumentFragment();
    let position = 0;
    while (position < text.length) {
      const escape = text.indexOf(ESC, position);
      if (escape === -1) {
        this.emit(fragment, text.slice(position));
        break;
      }
      this.emit(fragment, text.slice(position, escape));
      const rest = text.slice(escape);
      const consumed = this.sequence(rest);
      if (consumed === 0) {
        this.pending = rest + this.pending;
        break;
      }
      position = escape + consumed;
    }
    this.target.append(fragment);
  }

  /** How many characters the escape sequence at the start of `rest` takes; 0 when it is not complete yet. */
  sequence(rest) {
    const csi = CSI.exec(rest);
    if (csi) {
      if (csi[2] === "m") this.sgr(csi[1]);
      return csi[0].length; // other CSI sequences (cursor moves, erase line) mean nothing in a log
    }
    const nf = NF.exec(rest);
    if (nf) return nf[0].length;
    if (rest.length < MAX_PENDING && (CSI_PARTIAL.test(rest) || NF_PARTIAL.test(rest))) return 0;
    if (rest[1] === "]") {
      // OSC (window titles, hyperlinks): up to BEL or ESC \
      const end = rest.search(/\x07|\x1b\\/);
      if (end === -1) return rest.length < MAX_PENDING ? 0 : 2;
      return end + (rest[end] === "\x07" ? 1 : 2);
    }
    return Math.min(2, rest.length);
  }

  sgr(params) {
    const codes = params === "" ? [0] : params.split(/[;:]/).map((p) => (p === "" ? 0 : Number(p)));
    for (let i = 0; i < codes.length; i++) {
      const code = codes[i];
      const s = this.style;
      if (code === 0) this.reset();
      else if (code === 1) s.bold = true;
      else if (code === 2) s.dim = true;
      else if (code === 3) s.italic = true;
      else if (code === 4) s.underline = true;
      else if (code === 7) s.inverse = true;
      else if (code === 22) s.bold = s.dim = false;
      else if (code === 23) s.italic = false;
      else if (code === 24) s.underline = false;
      else if (code === 27) s.inverse = false;
      else if (code >= 30 && code <= 37) [s.fg, s.fgRgb] = [code - 30, null];
      else if (code === 39) [s.fg, s.fgRgb] = [null, null];
      else if (code >= 40 && code <= 47) [s.bg, s.bgRgb] = [code - 40, null];
      else if (code === 49) [s.bg, s.bgRgb] = [null, null];
      else if (code >= 90 && code <= 97) [s.fg, s.fgRgb] = [code - 90 + 8, null];
      else if (code >= 100 && code <= 107) [s.bg, s.bgRgb] = [code - 100 + 8, null];
      else if (code === 38 || code === 48) {
        const [colour, used] = extended(codes, i + 1);
        i += used;
        if (colour === null) continue;
        const layer = code === 38 ? "fg" : "bg";
        if (typeof colour === "number") [s[layer], s[`${layer}Rgb`]] = [colour, null];
        else [s[layer], s[`${layer}Rgb`]] = [null, colour];
      }
    }
  }

  emit(fragment, text) {
    if (!text) return;
    const s = this.style;
    const classes = [];
    let [fg, bg, fgRgb, bgRgb] = [s.fg, s.bg, s.fgRgb, s.bgRgb];
    if (s.inverse) [fg, bg, fgRgb, bgRgb] = [bg ?? "default-bg", fg ?? "default-fg", bgRgb, fgRgb];
    if (fg !== null) classes.push(`sgr-fg-${fg}`);
    if (bg !== null) classes.push(`sgr-bg-${bg}`);
    if (s.bold) classes.push("sgr-bold");
    if (s.dim) classes.push("sgr-dim");
    if (s.italic) classes.push("sgr-italic");
    if (s.underline) classes.push("sgr-underline");
    if (!classes.length && !fgRgb && !bgRgb) {
      fragment.append(document.createTextNode(text));
      return;
    }
    const span = document.createElement("span");
    if (classes.length) span.className = classes.join(" ");
    if (fgRgb) span.style.color = `rgb(${fgRgb.join(",")})`;
    if (bgRgb) span.style.backgroundColor = `rgb(${bgRgb.join(",")})`;
    span.textContent = text;
    fragment.append(span);
  }
}

/** 38;5;N (256 colours) or 38;2;R;G;B: [colour, parameters used]; a palette index below 16 stays a class. */
function extended(codes, at) {
  if (codes[at] === 5 && at + 1 < codes.length) {
    const index = clamp(codes[at + 1]);
    return [index < 16 ? index : palette256(index), 2];
  }
  if (codes[at] === 2 && at + 3 < codes.length) {
    return [[clamp(codes[at + 1]), clamp(codes[at + 2]), clamp(codes[at + 3])], 4];
  }
  return [null, codes.length - at];
}

function palette256(index) {
  if (index >= 232) {
    const grey = 8 + (index - 232) * 10;
    return [grey, grey, grey];
  }
  const cube = index - 16;
  const level = (n) => (n === 0 ? 0 : 55 + n * 40);
  return [level(Math.floor(cube / 36)), level(Math.floor(cube / 6) % 6), level(cube % 6)];
}

function clamp(value) {
  return Math.max(0, Math.min(255, Number.isFinite(value) ? value : 0));
}
