//! Markdown tables of one dataset's results, computed from the long rows:
//! one seed shows its bootstrap CI, several show mean ± std over seeds.

use tsd_data::DatasetKind;
use tsd_metrics::MeanStd;

use super::anchors;
use super::table::{RowKind, Select, TableRow};

/// Probe families in column order, with their column titles.
const PROBES: [(&str, &str); 3] = [("logistic", "logistic"), ("knn", "kNN (k=5)"), ("mlp", "MLP")];

/// A Markdown table.
pub fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let line = |cells: &[String]| format!("| {} |\n", cells.join(" | "));
    let mut out = line(&header.iter().map(|h| h.to_string()).collect::<Vec<_>>());
    out.push_str(&line(&header.iter().map(|_| "---".to_string()).collect::<Vec<_>>()));
    for row in rows {
        out.push_str(&line(row));
    }
    out
}

/// `values` as percent: one value `a`, several `mean ± std`; `–` when empty.
fn percent(values: &[f64]) -> String {
    scaled(values, 100.0, 2)
}

fn scaled(values: &[f64], factor: f64, decimals: usize) -> String {
    match values {
        [] => "–".into(),
        [v] => format!("{:.decimals$}", v * factor),
        _ => {
            let m = MeanStd::of(values);
            format!("{:.decimals$} ± {:.decimals$}", m.mean * factor, m.std * factor)
        }
    }
}

/// An accuracy cell: one seed `98.52 [98.27, 98.76]`, several `98.52 ± 0.11`.
fn accuracy_cell(rows: &[TableRow], select: Select) -> String {
    let acc = select.values(rows, "accuracy");
    match acc.as_slice() {
        [a] => {
            let (lo, hi) = (select.values(rows, "ci_low"), select.values(rows, "ci_high"));
            match (lo.as_slice(), hi.as_slice()) {
                ([lo], [hi]) => format!("{:.2} [{:.2}, {:.2}]", 100.0 * a, 100.0 * lo, 100.0 * hi),
                _ => percent(&acc),
            }
        }
        _ => percent(&acc),
    }
}

/// Seeds of `method` in `rows`.
fn seeds(rows: &[TableRow], method: &str) -> Vec<u64> {
    let mut seeds: Vec<u64> = rows.iter().filter(|r| r.method == method).map(|r| r.seed).collect();
    seeds.sort_unstable();
    seeds.dedup();
    seeds
}

fn label<'a>(method: &'a str, code: &'static str, probe: &'static str) -> Select<'a> {
    Select { method, kind: RowKind::Label, code, target: None, probe }
}

fn run_values(rows: &[TableRow], method: &str, metric: &str) -> Vec<f64> {
    Select { method, kind: RowKind::Run, code: "", target: None, probe: "" }.values(rows, metric)
}

/// Label-probe accuracies of S and Z with chance, per method.
pub fn label_probe_table(rows: &[TableRow], methods: &[String]) -> String {
    let mut body = Vec::new();
    for method in methods {
        for code in ["S", "Z"] {
            let mut row = vec![method.clone(), code.into(), seeds(rows, method).len().to_string()];
            row.extend(PROBES.iter().map(|&(p, _)| accuracy_cell(rows, label(method, code, p))));
            row.push(percent(&label(method, code, "logistic").values(rows, "chance")));
            body.push(row);
        }
    }
    let mut header = vec!["method", "code", "seeds"];
    header.extend(PROBES.iter().map(|&(_, title)| title));
    header.push("chance");
    table(&header, &body)
}

/// Normalised leakage `(acc − chance) / (1 − chance)` of each probe.
pub fn leakage_table(rows: &[TableRow], methods: &[String]) -> String {
    let mut body = Vec::new();
    for method in methods {
        for code in ["S", "Z"] {
            let mut row = vec![method.clone(), code.into()];
            row.extend(PROBES.iter().map(|&(p, _)| scaled(&label(method, code, p).values(rows, "leakage"), 1.0, 3)));
            body.push(row);
        }
    }
    let mut header = vec!["method", "code"];
    header.extend(PROBES.iter().map(|&(_, title)| title));
    table(&header, &body)
}

/// Logistic probes of each nuisance factor from S and from Z; `None` when the
/// dataset has none.
pub fn nuisance_table(rows: &[TableRow], methods: &[String]) -> Option<String> {
    let mut names: Vec<&str> = Vec::new();
    for r in rows.iter().filter(|r| r.kind == RowKind::Nuisance) {
        if !names.contains(&r.target.as_str()) {
            names.push(&r.target);
        }
    }
    if names.is_empty() {
        return None;
    }
    let mut body = Vec::new();
    for method in methods {
        for &name in &names {
            let select = |code| Select { method, kind: RowKind::Nuisance, code, target: Some(name), probe: "logistic" };
            body.push(vec![
                method.clone(),
                name.to_string(),
                accuracy_cell(rows, select("S")),
                accuracy_cell(rows, select("Z")),
                percent(&select("S").values(rows, "chance")),
            ]);
        }
    }
    Some(table(&["method", "nuisance", "from S", "from Z", "chance"], &body))
}

/// Reconstruction, own networks, budget, time and device of each method.
pub fn run_table(rows: &[TableRow], methods: &[String]) -> String {
    let mut body = Vec::new();
    for method in methods {
        let own = |code, probe| Select { method, kind: RowKind::Own, code, target: None, probe };
        let mut devices: Vec<&str> = rows.iter().filter(|r| &r.method == method).map(|r| r.device.as_str()).collect();
        devices.sort_unstable();
        devices.dedup();
        let images = |m| scaled(&run_values(rows, method, m), 1.0, 0);
        body.push(vec![
            method.clone(),
            percent(&own("S", "classifier").values(rows, "accuracy")),
            percent(&own("Z", "adversary").values(rows, "accuracy")),
            scaled(&run_values(rows, method, "reconstruction_mse_pixels"), 1.0, 5),
            scaled(&run_values(rows, method, "reconstruction_mse"), 1.0, 4),
            images("epochs"),
            scaled(&run_values(rows, method, "wall_seconds"), 1.0 / 60.0, 1),
            devices.join(", "),
            format!("{} / {}", images("train_images"), images("test_images")),
            format!("{} / {}", images("s_dim"), images("z_dim")),
        ]);
    }
    table(
        &[
            "method",
            "own S classifier %",
            "own adversary on Z %",
            "rec. MSE, [0,1] pixels",
            "rec. MSE, model scale",
            "epochs",
            "wall time (min)",
            "device",
            "train / test images",
            "S / Z dims",
        ],
        &body,
    )
}

/// Published probe accuracies beside ours (MLP probe, the same family).
pub fn anchor_table(dataset: DatasetKind, rows: &[TableRow], methods: &[String]) -> String {
    let mut body: Vec<Vec<String>> = anchors::for_dataset(dataset)
        .iter()
        .map(|a| {
            vec![
                "published".into(),
                a.model.into(),
                format!("{}/{}", a.z_dim, a.s_dim),
                format!("{:.2}", a.z_test),
                format!("{:.2}", a.s_test),
            ]
        })
        .collect();
    for method in methods {
        let dims = |m| run_values(rows, method, m).first().map_or("?".into(), |d| format!("{d:.0}"));
        body.push(vec![
            "**ours**".into(),
            method.clone(),
            format!("{}/{}", dims("z_dim"), dims("s_dim")),
            percent(&label(method, "Z", "mlp").values(rows, "accuracy")),
            percent(&label(method, "S", "mlp").values(rows, "accuracy")),
        ]);
    }
    format!(
        "{}\nPublished rows: {}; {}\n",
        table(&["source", "model", "z/s dims", "Z-probe test %", "S-probe test %"], &body),
        anchors::SOURCE,
        anchors::caveat(dataset)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(seed: u64, metric: &str, value: f64) -> TableRow {
        TableRow {
            dataset: "mnist".into(),
            method: "two-step".into(),
            seed,
            device: "cpu".into(),
            kind: RowKind::Label,
            code: "Z".into(),
            target: "digit".into(),
            probe: "mlp".into(),
            metric: metric.into(),
            value,
        }
    }

    #[test]
    fn one_seed_shows_its_ci_and_several_show_mean_and_std() {
        let one = vec![row(0, "accuracy", 0.1), row(0, "ci_low", 0.09), row(0, "ci_high", 0.11)];
        let select = label("two-step", "Z", "mlp");
        assert_eq!(accuracy_cell(&one, select), "10.00 [9.00, 11.00]");
        let two =
            [one.clone(), vec![row(1, "accuracy", 0.2), row(1, "ci_low", 0.19), row(1, "ci_high", 0.21)]].concat();
        assert_eq!(accuracy_cell(&two, select), "15.00 ± 7.07");
        assert_eq!(accuracy_cell(&two, label("mathieu", "Z", "mlp")), "–");
    }

    #[test]
    fn tables_have_a_separator_row_per_column() {
        let t = table(&["a", "b"], &[vec!["1".into(), "2".into()]]);
        assert_eq!(t, "| a | b |\n| --- | --- |\n| 1 | 2 |\n");
    }
}
