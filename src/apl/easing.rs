//! Easing curves (APL's `easings` resources and `AnimateItem`'s `easing`): `linear`, `ease`,
//! `ease-in`, `ease-out`, `ease-in-out`, `cubic-bezier(x1, y1, x2, y2)` and `path(x1, y1, …)`
//! (straight lines from (0, 0) through the points to (1, 1)), and keyframed curves over any
//! span of time: `line(t, v)`/`curve(t, v, x1, y1, x2, y2)`…`end(t, v)`, and the spatial ones
//! `spatial(dof, index) slinear(t, v…)`/`scurve(t, v…, in…, out…, x1, y1, x2, y2)`…`send(t, v…)`
//! (a cubic path through `dof`-dimensional keyframes, of which `index` is the value).

/// A curve, ready to evaluate.
#[derive(Debug, Clone, PartialEq)]
pub enum Easing {
    Linear,
    Bezier([f64; 4]),
    Path(Vec<(f64, f64)>),
    /// Keyframes: their times, values, the tangents out of them and into them (spatial
    /// curves; zero otherwise), and the timing curve to the next one (None: straight).
    Keyed(Vec<Key>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Key {
    t: f64,
    v: f64,
    tin: f64,
    tout: f64,
    timing: Option<[f64; 4]>,
}

impl Easing {
    /// The curve a string names or describes; None when it is not one.
    pub fn parse(s: &str) -> Option<Easing> {
        let s = s.trim();
        let args = |inner: &str| -> Option<Vec<f64>> {
            inner
                .split(',')
                .map(|x| x.trim().parse::<f64>().ok().filter(|v| v.is_finite()))
                .collect()
        };
        Some(match s {
            "linear" => Easing::Linear,
            "ease" => Easing::Bezier([0.25, 0.1, 0.25, 1.0]),
            "ease-in" => Easing::Bezier([0.42, 0.0, 1.0, 1.0]),
            "ease-out" => Easing::Bezier([0.0, 0.0, 0.58, 1.0]),
            "ease-in-out" => Easing::Bezier([0.42, 0.0, 0.58, 1.0]),
            _ if s.starts_with("spatial(") || s.starts_with("line(") || s.starts_with("curve(") => {
                return keyed(s);
            }
            _ => {
                let (name, rest) = s.split_once('(')?;
                let v = args(rest.strip_suffix(')')?)?;
                match name.trim() {
                    "cubic-bezier" if v.len() == 4 => Easing::Bezier([v[0], v[1], v[2], v[3]]),
                    "path" if v.len() % 2 == 0 => {
                        let mut pts = vec![(0.0, 0.0)];
                        pts.extend(v.chunks(2).map(|c| (c[0], c[1])));
                        pts.push((1.0, 1.0));
                        Easing::Path(pts)
                    }
                    _ => return None,
                }
            }
        })
    }

    /// The curve's value at `t` (clamped to 0…1, or to a keyed curve's span).
    pub fn at(&self, t: f64) -> f64 {
        if let Easing::Keyed(keys) = self {
            return keyed_at(keys, t);
        }
        let t = if t.is_nan() { 0.0 } else { t.clamp(0.0, 1.0) };
        match self {
            Easing::Keyed(_) => unreachable!(),
            Easing::Linear => t,
            Easing::Path(pts) => {
                for w in pts.windows(2) {
                    let ((x0, y0), (x1, y1)) = (w[0], w[1]);
                    if t <= x1 {
                        return if x1 > x0 {
                            y0 + (y1 - y0) * (t - x0) / (x1 - x0)
                        } else {
                            y1
                        };
                    }
                }
                1.0
            }
            Easing::Bezier(c) => bezier(*c, t),
        }
    }
}

/// A timing curve from (0, 0) to (1, 1) with control points (x1, y1) and (x2, y2), at `t`.
fn bezier([x1, y1, x2, y2]: [f64; 4], t: f64) -> f64 {
    // x(u) is increasing for 0 ≤ x1, x2 ≤ 1: find u with x(u) = t by bisection.
    let b = |a: f64, b: f64, u: f64| {
        3.0 * a * u * (1.0 - u).powi(2) + 3.0 * b * u * u * (1.0 - u) + u.powi(3)
    };
    let (mut lo, mut hi) = (0.0, 1.0);
    for _ in 0..40 {
        let mid = (lo + hi) / 2.0;
        if b(x1, x2, mid) < t {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    b(y1, y2, (lo + hi) / 2.0)
}

/// A keyed curve: its segments (`name(numbers)`, separated by spaces).
fn keyed(s: &str) -> Option<Easing> {
    let mut keys = vec![];
    let (mut dof, mut index) = (1usize, 0usize);
    let mut rest = s.trim();
    while !rest.is_empty() {
        let (name, tail) = rest.split_once('(')?;
        let (inner, tail) = tail.split_once(')')?;
        rest = tail.trim_start();
        let v: Vec<f64> = inner
            .split(',')
            .map(|x| x.trim().parse::<f64>().ok().filter(|v| v.is_finite()))
            .collect::<Option<_>>()?;
        let key = |t: f64, v: f64, tin: f64, tout: f64, timing| Key {
            t,
            v,
            tin,
            tout,
            timing,
        };
        match (name.trim(), v.len()) {
            ("spatial", 2) => {
                dof = (v[0] as usize).clamp(1, 16);
                index = (v[1] as usize).min(dof - 1);
            }
            ("line", 2) | ("end", 2) => keys.push(key(v[0], v[1], 0.0, 0.0, None)),
            ("curve", 6) => keys.push(key(v[0], v[1], 0.0, 0.0, Some([v[2], v[3], v[4], v[5]]))),
            ("slinear", n) | ("send", n) if n == 1 + dof => {
                keys.push(key(v[0], v[1 + index], 0.0, 0.0, None))
            }
            ("scurve", n) if n == 1 + 3 * dof + 4 => keys.push(key(
                v[0],
                v[1 + index],
                v[1 + dof + index],
                v[1 + 2 * dof + index],
                Some([v[n - 4], v[n - 3], v[n - 2], v[n - 1]]),
            )),
            _ => return None,
        }
    }
    (!keys.is_empty()).then_some(Easing::Keyed(keys))
}

fn keyed_at(keys: &[Key], t: f64) -> f64 {
    let (first, last) = (&keys[0], &keys[keys.len() - 1]);
    if t.is_nan() || t <= first.t {
        return first.v;
    }
    if t >= last.t {
        return last.v;
    }
    for w in keys.windows(2) {
        let (a, b) = (&w[0], &w[1]);
        if t < b.t {
            let f = if b.t > a.t {
                (t - a.t) / (b.t - a.t)
            } else {
                1.0
            };
            let s = a.timing.map_or(f, |c| bezier(c, f));
            // A cubic from a to b, leaving a along its out tangent, arriving along b's in one.
            let (p0, p1, p2, p3) = (a.v, a.v + a.tout, b.v + b.tin, b.v);
            let u = 1.0 - s;
            return u * u * u * p0 + 3.0 * u * u * s * p1 + 3.0 * u * s * s * p2 + s * s * s * p3;
        }
    }
    last.v
}

#[cfg(test)]
mod tests {
    use super::Easing;

    #[test]
    fn curves_run_from_0_to_1_as_documented() {
        for s in [
            "linear",
            "ease",
            "ease-in",
            "cubic-bezier(0.1, 0.7, 1, 0.1)",
            "path(0.25, 1, 0.5, 0)",
        ] {
            let e = Easing::parse(s).unwrap();
            assert!(e.at(0.0).abs() < 1e-6, "{s}");
            assert!((e.at(1.0) - 1.0).abs() < 1e-6, "{s}");
        }
        assert_eq!(
            Easing::parse("path(0.25, 1, 0.5, 0)").unwrap().at(0.25),
            1.0
        );
        assert_eq!(
            Easing::parse("path(0.25, 1, 0.5, 0)").unwrap().at(0.375),
            0.5
        );
        let ease_in = Easing::parse("ease-in").unwrap();
        assert!(ease_in.at(0.5) < 0.5);
        assert!((Easing::parse("linear").unwrap().at(0.3) - 0.3).abs() < 1e-9);
        assert_eq!(Easing::parse("bounce"), None);
        // Keyframes over any span of time, and one value of a spatial path.
        let k = Easing::parse("line(0, 10) line(100, 20) end(200, 0)").unwrap();
        assert_eq!(
            (k.at(-5.0), k.at(50.0), k.at(150.0), k.at(500.0)),
            (10.0, 15.0, 10.0, 0.0)
        );
        let s = Easing::parse("spatial(2, 1) slinear(0, 5, 0) send(10, 5, 100)").unwrap();
        assert_eq!(s.at(5.0), 50.0);
        let c = Easing::parse("spatial(1, 0) scurve(0, 0, 0, 0, 0, 0, 1, 1) send(10, 40)").unwrap();
        assert!((c.at(5.0) - 20.0).abs() < 1e-6);
        assert_eq!(Easing::parse("cubic-bezier(1, 2)"), None);
    }
}
