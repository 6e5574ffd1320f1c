extension UploaderAssets {
    /// The uploader's styles: phone-first, 44 px touch targets, visible focus, WCAG AA contrast.
    static let style = #"""
:root { --ink: #1b1f24; --muted: #4a5360; --accent: #0b57d0; --bad: #a50e0e; --paper: #ffffff; --line: #c5ccd6; }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.5 system-ui, sans-serif; color: var(--ink); background: var(--paper); }
header, main { max-width: 46rem; margin: 0 auto; padding: 0 1rem; }
header p { color: var(--muted); margin-top: 0; }
h1 { font-size: 1.6rem; margin-bottom: 0.2rem; }
h2 { font-size: 1.2rem; border-bottom: 1px solid var(--line); padding-bottom: 0.2rem; }
.grid { display: grid; grid-template-columns: 9rem 1fr; gap: 0.5rem 0.75rem; align-items: center; }
input[type=text], input[type=url], input[type=password] { width: 100%; padding: 0.55rem; font: inherit;
  border: 1px solid var(--line); border-radius: 6px; }
input:focus-visible, button:focus-visible, a:focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }
.buttons { display: flex; gap: 0.5rem; margin-top: 0.75rem; flex-wrap: wrap; }
button { font: inherit; padding: 0.6rem 1.1rem; border-radius: 6px; border: 1px solid var(--accent);
  background: var(--accent); color: #fff; cursor: pointer; min-height: 44px; }
button.secondary { background: #fff; color: var(--accent); }
button:disabled { opacity: 0.6; cursor: progress; }
progress { width: 100%; height: 1.2rem; }
.error { color: var(--bad); font-weight: 600; }
pre { background: #f3f5f8; padding: 0.75rem; overflow-x: auto; border-radius: 6px; min-height: 2rem; }
ul#uploads { list-style: none; padding: 0; }
ul#uploads li { display: flex; gap: 0.75rem; align-items: center; padding: 0.5rem 0; border-bottom: 1px solid var(--line); }
ul#uploads img { border-radius: 6px; object-fit: cover; background: #eef1f5; }
a { color: var(--accent); }
@media (max-width: 30rem) { .grid { grid-template-columns: 1fr; } }
"""#
}
