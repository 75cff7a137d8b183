//! The contact sheet: `OUT/index.html`, one file that works offline beside its
//! images. A grid filterable by scene, device and locale; failed checks show
//! golden, actual and diff side by side with a toggle.

use maud::{DOCTYPE, Markup, PreEscaped, html};

use super::Shot;
use super::report::Summary;

const CSS: &str = r#"
body{margin:0;font:14px system-ui,sans-serif;background:#111820;color:#e8edf2}
header{position:sticky;top:0;background:#1b2633;padding:10px 14px;display:flex;gap:12px;align-items:center;flex-wrap:wrap;z-index:1}
select{background:#0e1b2c;color:#e8edf2;border:1px solid #3a4a5c;border-radius:6px;padding:4px 6px}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(320px,1fr));gap:12px;padding:14px}
figure{margin:0;background:#1b2633;border-radius:8px;padding:8px}
figure.fail{outline:2px solid #ff7a6b}
figure img{width:100%;height:auto;display:block;image-rendering:auto;background:#000}
figcaption{margin-top:6px;color:#aab8c8;overflow-wrap:anywhere}
.warn{color:#ffd27a}.bad{color:#ff7a6b;font-weight:600}
.trio{display:grid;grid-template-columns:repeat(3,1fr);gap:6px}
.trio span{font-size:12px;color:#aab8c8}
"#;

const JS: &str = r#"
const f={scene:'',device:'',locale:'',status:''};
function apply(){document.querySelectorAll('figure').forEach(e=>{
 const ok=Object.keys(f).every(k=>!f[k]||e.dataset[k]===f[k]);e.style.display=ok?'':'none';});}
document.querySelectorAll('select').forEach(s=>s.addEventListener('change',()=>{f[s.name]=s.value;apply();}));
document.querySelectorAll('button.toggle').forEach(b=>b.addEventListener('click',()=>{
 const fig=b.closest('figure');const imgs=fig.querySelectorAll('.trio img');
 const order=['expected','actual','diff'];const cur=fig.dataset.view||'all';
 const next=cur==='all'?'expected':cur==='expected'?'actual':cur==='actual'?'diff':'all';fig.dataset.view=next;
 imgs.forEach((im,i)=>{im.parentElement.style.display=(next==='all'||order[i]===next)?'':'none';});
 fig.querySelector('.trio').style.gridTemplateColumns=next==='all'?'repeat(3,1fr)':'1fr';b.textContent='view: '+next;}));
"#;

fn options(name: &str, label: &str, mut values: Vec<String>) -> Markup {
    values.sort();
    values.dedup();
    html! {
        label { (label) " "
            select name=(name) {
                option value="" { "all" }
                @for v in &values { option value=(v) { (v) } }
            }
        }
    }
}

/// Whether a shot failed its check (no golden counts).
fn failed(s: &Shot) -> bool {
    s.check
        .as_ref()
        .is_some_and(|c| c.status == "fail" || c.status == "missing")
}

/// Renders the contact sheet for these shots (paths relative to the sheet): a summary header
/// (passed, failed, new), failures first.
pub fn render(shots: &[Shot], summary: &Summary) -> String {
    // Failures first, in their order; then the rest.
    let ordered: Vec<&Shot> = shots
        .iter()
        .filter(|s| failed(s))
        .chain(shots.iter().filter(|s| !failed(s)))
        .collect();
    let page = html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                title { "linkscreen shots" }
                style { (PreEscaped(CSS)) }
            }
            body {
                header {
                    strong { "linkscreen — " (summary.shots) " shots" }
                    @if summary.tolerance.is_some() {
                        span.summary { (summary.passed) " passed · " }
                        @if summary.failed > 0 { span.bad { (summary.failed) " failed" } } @else { span { "0 failed" } }
                        span.summary { " · " (summary.new) " new · " (summary.updated) " updated" }
                    }
                    @if summary.warnings > 0 { span.warn { (summary.warnings) " warnings" } }
                    (options("scene", "scene", shots.iter().map(|s| s.scene.to_string()).collect()))
                    (options("device", "device", shots.iter().map(|s| s.device.to_string()).collect()))
                    (options("locale", "locale", shots.iter().map(|s| s.locale.clone()).collect()))
                    (options("status", "check", shots.iter().map(|s| s.check.as_ref().map(|c| c.status.clone()).unwrap_or_else(|| "none".into())).collect()))
                }
                div.grid {
                    @for s in &ordered {
                        @let status = s.check.as_ref().map(|c| c.status.clone()).unwrap_or_else(|| "none".into());
                        figure class=(if status == "fail" || status == "missing" { "fail" } else { "" })
                            data-scene=(s.scene) data-device=(s.device) data-locale=(s.locale) data-status=(status) {
                            @match &s.check {
                                Some(c) if c.status == "fail" => {
                                    div.trio {
                                        div { span { "golden" } img loading="lazy" src=(c.expected.clone().unwrap_or_default()) alt="golden"; }
                                        div { span { "actual" } img loading="lazy" src=(s.path) alt="actual"; }
                                        div { span { "diff" } img loading="lazy" src=(c.diff.clone().unwrap_or_default()) alt="diff"; }
                                    }
                                    button.toggle type="button" { "view: all" }
                                }
                                _ => {
                                    @match &s.reference {
                                        Some(r) => { img loading="lazy" src=(r) alt=(format!("{} {} {} beside its reference", s.scene, s.device, s.locale)); }
                                        None => { img loading="lazy" src=(s.path) alt=(format!("{} {} {}", s.scene, s.device, s.locale)); }
                                    }
                                }
                            }
                            figcaption {
                                (s.scene) " · " (s.device) " · " (s.locale) " · " (s.width) "×" (s.height)
                                @if s.reference.is_some() { " · linkscreen left, reference right" }
                                @if let Some(c) = &s.check {
                                    @if c.status != "pass" { br; span.bad { (c.status) ": " (format!("{:.3}% pixels differ", c.share * 100.0)) } }
                                }
                                @for w in &s.warnings { br; span.warn { "⚠ " (w) } }
                            }
                        }
                    }
                }
                script { (PreEscaped(JS)) }
            }
        }
    };
    page.into_string()
}
