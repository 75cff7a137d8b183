//! Shared by the benches.

/// The `p` quantile (0..=1) of `v`, nearest rank.
#[allow(dead_code)]
pub fn pct(v: &mut [f64], p: f64) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[((v.len() as f64 * p).ceil() as usize)
        .saturating_sub(1)
        .min(v.len() - 1)]
}

/// `target/bench-node`, with `package` (an npm spec such as `oidc-provider@8`) installed there
/// once from the npm registry; the benches run their Node peers from this folder.
#[allow(dead_code)]
pub fn npm_dir(package: &str) -> Result<std::path::PathBuf, String> {
    let dir = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/bench-node");
    let name = match package.rsplit_once('@') {
        Some((n, _)) if !n.is_empty() => n,
        _ => package,
    };
    if !dir.join("node_modules").join(name).exists() {
        std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
        let st = std::process::Command::new("npm")
            .args(["install", "--no-audit", "--no-fund", package])
            .current_dir(&dir)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status()
            .map_err(|e| format!("npm: {e}"))?;
        if !st.success() {
            return Err(format!("npm install {package} failed"));
        }
    }
    Ok(dir)
}

/// One row of the README's benchmark table, for `benches/run-all` to collect: what was
/// measured, linkscreen's figure, the anchor measured in the same run (or `—`) and the ratio.
#[allow(dead_code)]
pub fn row(what: &str, ours: &str, anchor: &str, ratio: &str) {
    println!("TABLE| {what} | {ours} | {anchor} | {ratio} |");
}
