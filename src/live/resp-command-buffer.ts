/**
 * Commands as RESP (arrays of bulk strings), written one after another into one growing buffer and taken
 * out together: a pipelined connection's writes, with no buffer or string per command.
 */
export class RespCommandBuffer {
  private bytes = Buffer.allocUnsafe(16 * 1024);
  /** Bytes written and not yet taken. */
  length = 0;

  /** An array header (when given) then pre-encoded bytes. */
  raw(encoded: Buffer, header: string | null): void {
    this.reserve(encoded.length + 16);
    if (header !== null) this.length += this.bytes.write(header, this.length, 'latin1');
    encoded.copy(this.bytes, this.length);
    this.length += encoded.length;
  }

  /** A bulk string of `value`'s UTF-8 bytes. */
  text(value: string): void {
    const length = Buffer.byteLength(value, 'utf8');
    this.reserve(length + 16);
    this.bytes[this.length++] = 0x24; // '$'
    this.digits(length);
    this.length += this.bytes.write(value, this.length, 'utf8');
    this.bytes[this.length++] = 0x0d;
    this.bytes[this.length++] = 0x0a;
  }

  /** A bulk string of an integer's decimal digits. */
  decimal(value: number): void {
    if (!Number.isSafeInteger(value)) {
      this.text(String(value));
      return;
    }
    this.reserve(48);
    const negative = value < 0;
    let magnitude = negative ? -value : value;
    let length = 1;
    for (let rest = magnitude; rest >= 10; rest = Math.floor(rest / 10)) length++;
    this.bytes[this.length++] = 0x24;
    this.digits(length + (negative ? 1 : 0));
    if (negative) this.bytes[this.length++] = 0x2d;
    for (let i = length - 1; i >= 0; i--) {
      this.bytes[this.length + i] = 0x30 + (magnitude % 10);
      magnitude = Math.floor(magnitude / 10);
    }
    this.length += length;
    this.bytes[this.length++] = 0x0d;
    this.bytes[this.length++] = 0x0a;
  }

  /** A non-negative integer's digits then CRLF (a bulk string's length line). */
  private digits(value: number): void {
    let length = 1;
    for (let rest = value; rest >= 10; rest = Math.floor(rest / 10)) length++;
    let rest = value;
    for (let i = length - 1; i >= 0; i--) {
      this.bytes[this.length + i] = 0x30 + (rest % 10);
      rest = Math.floor(rest / 10);
    }
    this.length += length;
    this.bytes[this.length++] = 0x0d;
    this.bytes[this.length++] = 0x0a;
  }

  private reserve(more: number): void {
    if (this.length + more <= this.bytes.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.bytes.length * 2, this.length + more));
    this.bytes.copy(grown, 0, 0, this.length);
    this.bytes = grown;
  }

  /** Everything written since the last take, as a buffer of its own (the socket may hold it a while). */
  take(): Buffer {
    const taken = Buffer.allocUnsafe(this.length);
    this.bytes.copy(taken, 0, 0, this.length);
    this.length = 0;
    return taken;
  }

  /** Drops what was written and not taken (its connection is gone). */
  clear(): void {
    this.length = 0;
  }
}
