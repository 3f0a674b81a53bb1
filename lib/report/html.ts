/** A single-file HTML report: the run's configuration, summary and pictures side by side. */

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export interface ReportParts {
  title: string;
  /** Rows of the configuration table. */
  config: Record<string, unknown>;
  /** Rows of the results table. */
  summary: Record<string, unknown>;
  /** Inline SVG documents, each with a caption. */
  svgs: { caption: string; svg: string }[];
  /** PNG pictures, embedded as data URIs. */
  pngs: { caption: string; png: Buffer }[];
}

function table(rows: Record<string, unknown>): string {
  const body = Object.entries(rows)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `<tr><th>${escape(k)}</th><td>${escape(typeof v === 'string' ? v : JSON.stringify(v))}</td></tr>`)
    .join('\n');
  return `<table>\n${body}\n</table>`;
}

export function reportHtml(parts: ReportParts): string {
  const figures = [
    ...parts.svgs.map((f) => `<figure>${f.svg.replace(/^<\?xml[^>]*>/, '')}<figcaption>${escape(f.caption)}</figcaption></figure>`),
    ...parts.pngs.map(
      (f) => `<figure><img alt="${escape(f.caption)}" src="data:image/png;base64,${f.png.toString('base64')}">` +
        `<figcaption>${escape(f.caption)}</figcaption></figure>`,
    ),
  ].join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${escape(parts.title)}</title>
<style>
body { font-family: system-ui, sans-serif; margin: 2rem; color: #222; }
table { border-collapse: collapse; margin-bottom: 1.5rem; }
th, td { text-align: left; padding: 0.2rem 0.8rem; border-bottom: 1px solid #ddd; }
figure { display: inline-block; margin: 0 1.5rem 1.5rem 0; vertical-align: top; }
img { image-rendering: pixelated; width: 480px; }
</style>
</head>
<body>
<h1>${escape(parts.title)}</h1>
<h2>Results</h2>
${table(parts.summary)}
<h2>Configuration</h2>
${table(parts.config)}
${figures}
</body>
</html>
`;
}
