import PDFDocument from "pdfkit";

/**
 * The page layout every report PDF shares, drawn with pdfkit's vector primitives and its built-in
 * Helvetica (no font files of ours, no browser): a title block, headline figures, tables and
 * horizontal bar charts, flowing onto new A4 pages as needed. Text stays in WinAnsi (plain ASCII
 * plus Latin-1) because that is what the built-in fonts encode.
 */

const MARGIN = 48;
const INK = "#111827";
const MUTED = "#6b7280";
const RULE = "#e5e7eb";
const BAR = "#2563eb";

export interface ReportHeader {
  title: string;
  workspaceName: string;
  /** "2026-03-01 to 2026-03-31" or a campaign's scope. */
  subtitle: string;
  /** Filters in words ("Topic: news · Channel: email"), or null. */
  filters: string | null;
  generatedAt: Date;
  timezone: string;
}

export interface Figure {
  label: string;
  value: string;
}

export interface Column {
  header: string;
  /** Share of the content width (the shares of a table add up to 1). */
  width: number;
  align?: "left" | "right";
}

/** A report being written: draw with its methods, then `finish()` for the bytes. */
export class ReportPdf {
  readonly doc: PDFKit.PDFDocument;
  private readonly chunks: Buffer[] = [];
  private readonly done: Promise<Buffer>;

  constructor(info: { title: string; author: string }) {
    this.doc = new PDFDocument({
      size: "A4",
      margin: MARGIN,
      info: { Title: info.title, Author: info.author, Creator: "OptIn Manager" },
    });
    this.done = new Promise((resolve, reject) => {
      this.doc.on("data", (chunk: Buffer) => this.chunks.push(chunk));
      this.doc.on("end", () => resolve(Buffer.concat(this.chunks)));
      this.doc.on("error", reject);
    });
  }

  private get width(): number {
    return this.doc.page.width - MARGIN * 2;
  }

  /** Starts a new page when less than `height` points are left on this one. */
  private room(height: number): void {
    if (this.doc.y + height > this.doc.page.height - MARGIN) this.doc.addPage();
  }

  header(header: ReportHeader): this {
    const { doc } = this;
    doc.fillColor(INK).font("Helvetica-Bold").fontSize(20).text(header.title, MARGIN, MARGIN);
    doc.moveDown(0.2).font("Helvetica").fontSize(11).fillColor(INK).text(header.workspaceName);
    doc.fillColor(MUTED).fontSize(10).text(header.subtitle);
    if (header.filters) doc.text(header.filters);
    doc.text(`Generated ${formatInstant(header.generatedAt, header.timezone)}`);
    doc.moveDown(0.5);
    this.rule();
    return this;
  }

  section(title: string): this {
    this.room(60);
    this.doc.moveDown(0.8).fillColor(INK).font("Helvetica-Bold").fontSize(13).text(title, MARGIN);
    this.doc.moveDown(0.3);
    return this;
  }

  note(text: string): this {
    this.doc.fillColor(MUTED).font("Helvetica").fontSize(9).text(text, MARGIN, undefined, { width: this.width });
    this.doc.moveDown(0.3);
    return this;
  }

  /** Headline figures, four to a row. */
  figures(figures: Figure[]): this {
    const { doc } = this;
    const perRow = 4;
    const cell = this.width / perRow;
    for (let i = 0; i < figures.length; i += perRow) {
      this.room(44);
      const top = doc.y;
      figures.slice(i, i + perRow).forEach((figure, j) => {
        const x = MARGIN + j * cell;
        doc
          .fillColor(MUTED)
          .font("Helvetica")
          .fontSize(9)
          .text(figure.label, x, top, { width: cell - 8 });
        doc
          .fillColor(INK)
          .font("Helvetica-Bold")
          .fontSize(16)
          .text(figure.value, x, top + 13, { width: cell - 8 });
      });
      doc.x = MARGIN;
      doc.y = top + 40;
    }
    return this;
  }

  /** A table with a header row; repeats the header on each new page. `empty` is shown when there are no rows. */
  table(columns: Column[], rows: (string | number)[][], empty = "Nothing in this range."): this {
    const { doc } = this;
    const rowHeight = 16;
    const drawRow = (cells: (string | number)[], bold: boolean) => {
      const top = doc.y;
      let x = MARGIN;
      doc
        .font(bold ? "Helvetica-Bold" : "Helvetica")
        .fontSize(9)
        .fillColor(bold ? MUTED : INK);
      columns.forEach((column, i) => {
        const w = column.width * this.width;
        doc.text(String(cells[i] ?? ""), x + 2, top + 4, {
          width: w - 4,
          align: column.align ?? "left",
          lineBreak: false,
          ellipsis: true,
          height: rowHeight,
        });
        x += w;
      });
      doc
        .moveTo(MARGIN, top + rowHeight)
        .lineTo(MARGIN + this.width, top + rowHeight)
        .lineWidth(0.5)
        .strokeColor(RULE)
        .stroke();
      doc.x = MARGIN;
      doc.y = top + rowHeight;
    };
    this.room(rowHeight * 2);
    drawRow(
      columns.map((c) => c.header),
      true,
    );
    if (rows.length === 0) return this.note(empty);
    for (const row of rows) {
      if (doc.y + rowHeight > doc.page.height - MARGIN) {
        doc.addPage();
        drawRow(
          columns.map((c) => c.header),
          true,
        );
      }
      drawRow(row, false);
    }
    doc.moveDown(0.4);
    return this;
  }

  /** A horizontal bar chart: one labelled bar per value, scaled to the largest, the value at its end. */
  bars(items: { label: string; value: number; display?: string }[], empty = "Nothing in this range."): this {
    const { doc } = this;
    if (items.length === 0) return this.note(empty);
    const labelWidth = 110;
    const valueWidth = 60;
    const barMax = this.width - labelWidth - valueWidth;
    const rowHeight = items.length > 40 ? 9 : 14;
    const barHeight = rowHeight - 4;
    const max = Math.max(1, ...items.map((i) => i.value));
    for (const item of items) {
      this.room(rowHeight);
      const top = doc.y;
      doc
        .fillColor(MUTED)
        .font("Helvetica")
        .fontSize(rowHeight > 10 ? 8 : 6.5)
        .text(item.label, MARGIN, top + 1, { width: labelWidth - 6, lineBreak: false, ellipsis: true });
      const w = Math.max(item.value > 0 ? 1 : 0, (item.value / max) * barMax);
      if (w > 0)
        doc
          .rect(MARGIN + labelWidth, top, w, barHeight)
          .fillColor(BAR)
          .fill();
      doc.fillColor(INK).text(item.display ?? formatCount(item.value), MARGIN + labelWidth + w + 4, top + 1, {
        width: valueWidth,
        lineBreak: false,
      });
      doc.x = MARGIN;
      doc.y = top + rowHeight;
    }
    doc.moveDown(0.4);
    return this;
  }

  private rule(): void {
    const y = this.doc.y;
    this.doc
      .moveTo(MARGIN, y)
      .lineTo(MARGIN + this.width, y)
      .lineWidth(1)
      .strokeColor(RULE)
      .stroke();
    this.doc.y = y + 4;
  }

  /** Ends the document; resolves to the PDF's bytes. */
  finish(): Promise<Buffer> {
    this.doc.end();
    return this.done;
  }
}

/** 12345 → "12,345". */
export function formatCount(value: number): string {
  return value.toLocaleString("en-US");
}

/** 0.4567 → "45.7%"; null → "-". */
export function formatRate(value: number | null): string {
  return value === null ? "-" : `${(value * 100).toFixed(1)}%`;
}

/** An instant as "2026-03-20 11:00 (America/New_York)". */
export function formatInstant(at: Date, timeZone: string): string {
  const parts = new Intl.DateTimeFormat("en-CA", {
    timeZone,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
  }).formatToParts(at);
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? "";
  return `${get("year")}-${get("month")}-${get("day")} ${get("hour")}:${get("minute")} (${timeZone})`;
}

/** A safe file-name part: letters, digits and dashes. */
export function fileSlug(value: string): string {
  return (
    value
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, "-")
      .replace(/^-+|-+$/g, "")
      .slice(0, 40) || "report"
  );
}
