import Vapor

/// CSS and JS served from the binary, so one executable is the whole installation.
enum Assets {
    static func register(_ routes: any RoutesBuilder) {
        routes.on(.GET, ["assets", "app.css"], access: .anonymous) { _ in serve(allCSS, "text/css; charset=utf-8") }
        routes.on(.GET, ["assets", "app.js"], access: .anonymous) { _ in serve(js, "text/javascript; charset=utf-8") }
    }
    static func serve(_ s: String, _ type: String) -> Response {
        let r = Response(status: .ok, body: .init(string: s))
        r.headers.replaceOrAdd(name: .contentType, value: type)
        r.headers.replaceOrAdd(name: .cacheControl, value: "public, max-age=3600")
        return r
    }

    static let allCSS = css + "\n" + KioskAssets.css
    static let css = """
    :root { --fg:#1a1a1a; --muted:#555; --bg:#fff; --accent:#0b57d0; --accent-dark:#083e94; --err:#b3261e; --ok:#146c2e; --line:#c8c8c8; --warn-bg:#fff4d6; }
    * { box-sizing: border-box; }
    body { margin:0; font-family: "Noto Sans CJK JP","Noto Sans JP","Hiragino Sans","Yu Gothic",sans-serif; color:var(--fg); background:var(--bg); line-height:1.6; font-size:16px; }
    a { color: var(--accent); }
    a:focus, button:focus, input:focus, select:focus, textarea:focus, summary:focus, .table-wrap:focus { outline: 3px solid #1a4fa0; outline-offset: 2px; box-shadow: 0 0 0 5px #fff; }
    .skip { position:absolute; left:-9999px; } .skip:focus { left: 8px; top: 8px; background:#fff; padding:8px; z-index:10; }
    header.site { display:flex; flex-wrap:wrap; gap:8px 16px; align-items:center; padding:8px 16px; border-bottom:1px solid var(--line); background:#f5f7fb; }
    header.site .brand a { font-weight:bold; text-decoration:none; color:var(--fg); font-size:1.1rem; }
    header.site nav ul { list-style:none; display:flex; flex-wrap:wrap; gap:4px 14px; margin:0; padding:0; }
    header.site nav a[aria-current=page] { font-weight:bold; color: var(--fg); }
    .badge { display:inline-block; min-width:1.4em; margin-left:4px; padding:0 6px; border-radius:999px; background:var(--err); color:#fff; font-size:.8rem; font-weight:bold; text-align:center; line-height:1.5; }
    header.site .user { margin-left:auto; display:flex; gap:12px; align-items:center; flex-wrap:wrap; }
    main { padding:16px; max-width:1200px; margin:0 auto; }
    footer.site { color:var(--muted); font-size:.85rem; padding:16px; border-top:1px solid var(--line); }
    h1 { font-size:1.5rem; margin:.2em 0 .6em; } h2 { font-size:1.2rem; margin-top:1.5em; }
    form.inline { display:inline; }
    button, .button { font:inherit; padding:10px 18px; border-radius:6px; border:1px solid var(--accent-dark); background:var(--accent); color:#fff; cursor:pointer; text-decoration:none; display:inline-block; }
    button.secondary, .button.secondary { background:#fff; color:var(--accent-dark); }
    button.link { background:none; border:none; color:var(--accent); padding:0; text-decoration:underline; }
    .field { margin: 0 0 14px; } .field label { display:block; font-weight:bold; margin-bottom:4px; }
    .field input, .field select, .field textarea { font:inherit; padding:8px; border:1px solid #767676; border-radius:4px; width:100%; max-width:420px; }
    .field.has-error input, .field.has-error select, .field.has-error textarea { border:2px solid var(--err); }
    .field.check label { display:flex; align-items:center; gap:8px; } .field.check input { width:22px; height:22px; flex:none; }
    .error { color: var(--err); font-weight:bold; margin:2px 0; }
    .hint { color: var(--muted); margin:2px 0; font-size:.9rem; }
    .flash { background:#e6f4ea; border-left:4px solid var(--ok); padding:8px 12px; }
    .alert { background:#fdecea; border-left:4px solid var(--err); padding:8px 12px; }
    table { border-collapse:collapse; width:100%; margin:8px 0 16px; }
    th, td { border:1px solid var(--line); padding:4px 8px; text-align:left; vertical-align:top; }
    thead th { background:#eef1f6; }
    td.num, th.num { text-align:right; font-variant-numeric: tabular-nums; }
    table.indicators td.num { white-space:nowrap; }
    table.indicators tr.group th { background:#eef2f7; }
    tr.rest td { background:#f6f6f6; } tr.holiday td { background:#fdf0f0; }
    .tag { display:inline-block; padding:0 6px; margin:1px 2px; border-radius:4px; font-size:.85rem; border:1px solid #999; background:#fff; }
    .tag.anomaly { border-color: var(--err); color: var(--err); background:#fff; }
    .tag.info { border-color:#555; color:#333; }
    .table-wrap { overflow-x:auto; }
    svg.chart { display:block; max-width:100%; height:auto; margin:8px 0 16px; background:#fff; } .chart-pair { display:grid; grid-template-columns: minmax(0,3fr) minmax(0,2fr); gap:16px; align-items:start; }
    @media (max-width: 760px) { .chart-pair { grid-template-columns: 1fr; } } .notice { border:2px solid #1a4fa0; padding:8px 12px; margin:8px 0 16px; } .notice p { margin:4px 0; }
    ul.summary { columns: 2 18em; margin-top:0; } ul.reasons { margin:0; padding-left:1.2em; } ul.reasons li.urgent { font-weight:bold; color:#b3261e; }
    /* the day-by-day book keeps each date, time and total on one line and scrolls sideways on a phone */
    .table-wrap th, table.days td { white-space:nowrap; }
    .punch-card { max-width:480px; margin:0 auto; text-align:center; }
    .clock { font-size:2.6rem; font-variant-numeric: tabular-nums; font-weight:bold; margin:.2em 0; }
    .state { font-size:1.1rem; margin: 4px 0 12px; }
    .big { width:100%; font-size:1.6rem; padding:22px; border-radius:14px; margin:8px 0; }
    .big.out { background:#8a1c14; border-color:#5e130e; }
    .big.break { background:#fff; color:#0b3d91; border:2px solid #0b3d91; font-size:1.2rem; padding:14px; }
    fieldset { border:1px solid var(--line); border-radius:8px; margin:12px 0; padding:8px 12px; text-align:left; min-width:0; }
    fieldset label { display:inline-flex; align-items:center; gap:6px; margin:6px 14px 6px 0; font-size:1.05rem; }
    fieldset input[type=radio] { width:22px; height:22px; }
    table.roster th, table.roster td { padding:2px 3px; text-align:center; } table.roster tbody th { text-align:left; white-space:nowrap; }
    table.roster select { width:auto; min-width:3.6em; padding:2px; font-size:.9rem; } ul.key { columns: 2 18em; margin-top:0; } table.roster th.off { background:#fdecea; } .wd { font-weight:normal; font-size:.8rem; }
    fieldset.plain { border:none; margin:0; padding:0; } .checks { display:flex; flex-wrap:wrap; gap:2px 12px; } .checks label { white-space:nowrap; } .checks.wrap label { white-space:normal; overflow-wrap:anywhere; } code.token { overflow-wrap:anywhere; word-break:break-all; }
    .filters { display:flex; flex-wrap:wrap; gap:8px 16px; align-items:flex-end; }
    .filters .field { margin:0; }
    .pager { display:flex; gap:16px; align-items:center; }
    .muted { color: var(--muted); }
    dl.kv { display:grid; grid-template-columns: max-content 1fr; gap:4px 16px; } dl.kv dt { font-weight:bold; }
    del { color:#666; }
    .visually-hidden { position:absolute; width:1px; height:1px; overflow:hidden; clip:rect(0 0 0 0); white-space:nowrap; }
    .year-grid { display:grid; grid-template-columns: repeat(auto-fill, minmax(230px, 1fr)); gap:8px 16px; }
    table.month-grid { width:100%; } table.month-grid td, table.month-grid th { text-align:center; padding:2px; }
    table.month-grid td.holiday { background:#fdecea; color:#8a1c14; font-weight:bold; } table.month-grid td.weekend { background:#f3f3f3; }
    table.standing svg.bar { vertical-align:middle; }
    tr.level-approaching td, tr.level-approaching th { background:var(--warn-bg); }
    tr.level-atLimit td, tr.level-atLimit th, tr.level-exceeded td, tr.level-exceeded th { background:#fdecea; }
    section.warning { border:2px solid var(--err); border-radius:8px; padding:8px 12px; margin:12px 0; background:#fff; }
    form.inline-form { display:inline-flex; flex-wrap:wrap; gap:4px 8px; align-items:center; margin:0; }
    form.inline-form input { font:inherit; padding:4px; border:1px solid #767676; border-radius:4px; }
    form.inline-form button { padding:4px 10px; }
    ul.history { margin:4px 0 0; padding-left:1.2em; font-size:.9rem; }
    table.summary { width:auto; } table.summary th { background:#eef1f6; }
    @media (max-width: 600px) { main { padding:10px; } th, td { padding:3px 4px; font-size:.9rem; } header.site .user .who { display:none; } }
    @media print {
      @page { size: A4; margin: 12mm; }
      header.site, footer.site, .noprint, .skip { display:none !important; }
      body { font-size:10pt; } main { max-width:none; padding:0; }
      table { font-size:9pt; } th, td { padding:2px 4px; }
      .table-wrap { overflow:visible; } table.days td { white-space:normal; }
      a { color: inherit; text-decoration:none; }
    }
    /* the app engine */
    ul.tabs { list-style:none; display:flex; flex-wrap:wrap; gap:4px 8px; padding:0; margin:8px 0; border-bottom:1px solid var(--line); }
    ul.tabs a { display:inline-block; padding:6px 12px; text-decoration:none; border:1px solid var(--line); border-bottom:none; border-radius:6px 6px 0 0; }
    ul.tabs a[aria-current=page] { font-weight:bold; background:#e8eefb; color:var(--fg); }
    .status { display:inline-block; padding:0 8px; border-radius:999px; background:#e8eefb; border:1px solid #8fa8d8; font-size:.9rem; white-space:nowrap; }
    .kanban { display:flex; gap:12px; overflow-x:auto; align-items:flex-start; padding-bottom:8px; }
    .kanban-column { flex:0 0 240px; background:#f5f7fb; border:1px solid var(--line); border-radius:8px; padding:8px; }
    .kanban-column h2 { font-size:1rem; margin:0 0 8px; } .kanban-column .count { color:var(--muted); font-weight:normal; }
    .kanban-column ul { list-style:none; padding:0; margin:0; }
    .card { background:#fff; border:1px solid var(--line); border-radius:6px; padding:6px 8px; margin:0 0 8px; }
    .card dl { margin:4px 0 0; font-size:.9rem; } .card dt { color:var(--muted); } .card dd { margin:0 0 2px; }
    dl.record { display:grid; grid-template-columns:minmax(8em, 14em) 1fr; gap:6px 16px; } dl.record dt { font-weight:bold; } dl.record dd { margin:0; }
    .multiline { white-space:pre-wrap; }
    .form-row { display:flex; flex-wrap:wrap; gap:0 16px; } .form-row > * { flex:1 1 200px; }
    .record-status { background:#f5f7fb; border:1px solid var(--line); border-radius:8px; padding:8px 12px; }
    ol.history { list-style:none; padding:0; } ol.history > li { border-left:3px solid var(--line); padding:2px 12px; margin:0 0 12px; }
    blockquote { margin:4px 0; padding:4px 12px; border-left:3px solid #8fa8d8; background:#fafbfd; white-space:pre-wrap; }
    .builder-row { background:#fafbfd; } .builder-row.has-error { border:2px solid var(--err); }
    .builder table input, .builder table select { font:inherit; padding:6px; border:1px solid #767676; border-radius:4px; max-width:100%; }
    @media (max-width: 640px) { dl.record { grid-template-columns:1fr; } .kanban-column { flex-basis:80vw; } }
    """

    /// Progressive enhancement only: a live clock on the punch page, and one submit per form (a double tap makes one request).
    static let js = """
    (function () {
      document.addEventListener('submit', function (e) {
        var f = e.target;
        if (f.dataset.submitted === '1') { e.preventDefault(); return; }
        f.dataset.submitted = '1';
        var d = f.querySelector('input[name=device_at]'); if (d) d.value = new Date().toISOString();
        setTimeout(function () { f.dataset.submitted = ''; }, 4000);
      });
      var c = document.getElementById('clock');
      if (c && c.dataset.serverMs) {
        var offset = Number(c.dataset.serverMs) - Date.now();
        var tz = c.dataset.tz || 'Asia/Tokyo';
        var fmt = new Intl.DateTimeFormat('ja-JP', { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false, timeZone: tz });
        var tick = function () { c.textContent = fmt.format(new Date(Date.now() + offset)); };
        tick(); setInterval(tick, 1000);
      }
      // the figures being added up: the bar follows the refresh; the reader reloads when they choose (WCAG 2.2.1)
      var st = document.querySelector('[data-status-url]');
      if (st && window.fetch) {
        var bar = st.querySelector('progress'), msg = st.querySelector('[data-done-text]');
        var poll = function () {
          fetch(st.dataset.statusUrl, { credentials: 'same-origin', headers: { 'Accept': 'application/json' } })
            .then(function (r) { return r.json(); })
            .then(function (s) {
              if (s.running) { bar.max = Math.max(1, s.total); bar.value = s.done; setTimeout(poll, 3000); }
              else { bar.value = bar.max; if (msg) msg.textContent = msg.dataset.doneText; }
            }).catch(function () {});
        };
        setTimeout(poll, 3000);
      }
    })();
    """
}
