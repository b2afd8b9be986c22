// A real, minimal PDF for tests (the document preview pipeline and the in-app viewer): one page of
// `width`×`height` points, white, its lower half filled with red, so a rendering can be checked by colour.

export function minimalPdf(opts: { width?: number; height?: number; text?: string } = {}): Buffer {
  const width = opts.width ?? 200;
  const height = opts.height ?? 300;
  const text = (opts.text ?? "Quarterly report").replace(/[()\\]/g, "");
  const content = `1 0 0 rg 0 0 ${width} ${height / 2} re f\nBT /F1 18 Tf 10 ${height - 30} Td (${text}) Tj ET\n`;
  const objects = [
    "<< /Type /Catalog /Pages 2 0 R >>",
    "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
    `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 ${width} ${height}] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>`,
    `<< /Length ${Buffer.byteLength(content, "latin1")} >>\nstream\n${content}endstream`,
    "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
  ];
  let out = "%PDF-1.4\n";
  const offsets: number[] = [];
  objects.forEach((body, i) => {
    offsets.push(Buffer.byteLength(out, "latin1"));
    out += `${i + 1} 0 obj\n${body}\nendobj\n`;
  });
  const xref = Buffer.byteLength(out, "latin1");
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  for (const o of offsets) out += `${String(o).padStart(10, "0")} 00000 n \n`;
  out += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(out, "latin1");
}
