// Interrupt request lines. A line is a wire from a device output to an interrupt controller
// input; the level lives in the controller (it is the controller's input state and is saved
// with it), so a line object carries no state of its own.

/** An interrupt controller's inputs, as seen by the wires attached to them. */
export interface IrqSink {
  /** Drive input `pin` to `level` (0 or 1). Called only on changes. */
  setIrqLevel(pin: number, level: number): void;
  /** The level input `pin` is driven to. */
  irqLevel(pin: number): number;
}

/** One wire into an interrupt controller input (active high). */
export class IrqLine {
  constructor(
    private readonly sink: IrqSink,
    readonly pin: number,
  ) {}

  get level(): number {
    return this.sink.irqLevel(this.pin);
  }

  /** Drive the line high (level-triggered: request held; edge-triggered: a rising edge if it was low). */
  raise(): void {
    if (this.sink.irqLevel(this.pin) === 0) this.sink.setIrqLevel(this.pin, 1);
  }

  /** Drive the line low. */
  lower(): void {
    if (this.sink.irqLevel(this.pin) !== 0) this.sink.setIrqLevel(this.pin, 0);
  }

  /** Drive the line to `level` (nonzero = high). */
  set(level: number | boolean): void {
    if (level) this.raise();
    else this.lower();
  }

  /** A rising then falling edge (an edge-triggered request; a level-triggered input sees it come and go). */
  pulse(): void {
    this.lower();
    this.raise();
    this.lower();
  }
}

/** A sink that just holds levels: for devices tested alone, or outputs nobody listens to yet. */
export class IrqLevels implements IrqSink {
  readonly levels: Uint8Array;
  /** Number of rising edges seen per pin. */
  readonly rises: number[];

  constructor(pins: number) {
    this.levels = new Uint8Array(pins);
    this.rises = new Array<number>(pins).fill(0);
  }

  setIrqLevel(pin: number, level: number): void {
    if (level && !this.levels[pin]) this.rises[pin]++;
    this.levels[pin] = level ? 1 : 0;
  }

  irqLevel(pin: number): number {
    return this.levels[pin];
  }

  line(pin: number): IrqLine {
    return new IrqLine(this, pin);
  }
}
