//! Markdown tables of one dataset's typed results: one seed shows its
//! bootstrap CI, several show mean ± std over seeds.

use tsd_core::train::Stopped;
use tsd_core::Code;
use tsd_metrics::ProbeFamily;

use super::anchors;
use super::summary::{Cell, DatasetSummary, RunResult};

/// Probe families in column order, with their column titles.
const PROBES: [(ProbeFamily, &str); 5] = [
    (ProbeFamily::Logistic, "logistic"),
    (ProbeFamily::Knn, "kNN (k=5)"),
    (ProbeFamily::Mlp, "MLP"),
    (ProbeFamily::WideMlp, "wide MLP"),
    (ProbeFamily::Forest, "forest"),
];

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

/// Label-probe accuracies of S, Z and (for a stochastic Z) a sample of Z, with chance, per method.
pub fn label_probe_table(summary: &DatasetSummary) -> String {
    let mut body = Vec::new();
    for method in summary.methods() {
        for code in summary.codes_of(method) {
            let mut row = vec![method.to_string(), code.to_string(), summary.runs_of(method).count().to_string()];
            row.extend(PROBES.iter().map(|&(p, _)| Cell::accuracy(&summary.label_scores(method, code, p)).percent()));
            let chance: Vec<f64> =
                summary.label_scores(method, code, ProbeFamily::Logistic).iter().map(|s| s.chance).collect();
            row.push(Cell::of(&chance).percent());
            body.push(row);
        }
    }
    let mut header = vec!["method", "code", "seeds"];
    header.extend(PROBES.iter().map(|&(_, title)| title));
    header.push("chance");
    table(&header, &body)
}

/// Normalised leakage `(acc − chance) / (1 − chance)` of each probe.
pub fn leakage_table(summary: &DatasetSummary) -> String {
    let mut body = Vec::new();
    for method in summary.methods() {
        for code in summary.codes_of(method) {
            let mut row = vec![method.to_string(), code.to_string()];
            row.extend(PROBES.iter().map(|&(p, _)| {
                let leakage: Vec<f64> = summary.label_scores(method, code, p).iter().map(|s| s.leakage).collect();
                Cell::of(&leakage).format(1.0, 3)
            }));
            body.push(row);
        }
    }
    let mut header = vec!["method", "code"];
    header.extend(PROBES.iter().map(|&(_, title)| title));
    table(&header, &body)
}

/// Probes of each nuisance factor from S and from Z; `None` when the dataset has none.
pub fn nuisance_table(summary: &DatasetSummary) -> Option<String> {
    let nuisances = summary.nuisances();
    if nuisances.is_empty() {
        return None;
    }
    let several_families = nuisances.iter().any(|(_, f)| *f != nuisances[0].1);
    let mut body = Vec::new();
    for method in summary.methods() {
        for (name, family) in &nuisances {
            let scores = |code| summary.nuisance_scores(method, code, name, *family);
            let chance: Vec<f64> = scores(Code::S).iter().map(|s| s.chance).collect();
            let label = if several_families { format!("{name} ({family})") } else { name.clone() };
            body.push(vec![
                method.to_string(),
                label,
                Cell::accuracy(&scores(Code::S)).percent(),
                Cell::accuracy(&scores(Code::Z)).percent(),
                Cell::of(&chance).percent(),
            ]);
        }
    }
    Some(table(&["method", "nuisance", "from S", "from Z", "chance"], &body))
}

/// Reconstruction, own networks, budget, time and device of each method.
pub fn run_table(summary: &DatasetSummary) -> String {
    let own = summary.own_networks();
    let mut body = Vec::new();
    for method in summary.methods() {
        let values = |figure: &dyn Fn(&RunResult) -> Option<f64>| Cell::of(&summary.run_values(method, figure));
        let count = |figure: &dyn Fn(&RunResult) -> Option<f64>| values(figure).format(1.0, 0);
        let mut devices: Vec<&str> = summary.runs_of(method).map(|r| r.device.as_str()).collect();
        devices.sort_unstable();
        devices.dedup();
        let mut row = vec![method.to_string()];
        row.extend(own.iter().map(|(network, code)| Cell::of(&summary.own_scores(method, network, *code)).percent()));
        row.extend([
            values(&|r| r.figures.reconstruction_mse_pixels).format(1.0, 5),
            values(&|r| r.figures.reconstruction_mse_mean_z_pixels).format(1.0, 5),
            values(&|r| Some(r.figures.reconstruction_mse)).format(1.0, 4),
            values(&|r| r.figures.swaps_follow.map(|f| f.0)).percent(),
            values(&|r| r.figures.swaps_follow.map(|f| f.1)).percent(),
            count(&|r| Some(r.figures.epochs as f64)),
            stopped(summary.runs_of(method).map(|r| r.figures.stopped)),
            values(&|r| Some(r.figures.wall_seconds)).format(1.0 / 60.0, 1),
            devices.join(", "),
            format!(
                "{} / {}",
                count(&|r| Some(r.figures.train_images as f64)),
                count(&|r| Some(r.figures.test_images as f64))
            ),
            format!(
                "{} / {}",
                count(&|r| Some(r.code(Code::S).dim as f64)),
                count(&|r| Some(r.code(Code::Z).dim as f64))
            ),
        ]);
        body.push(row);
    }
    let own_titles: Vec<String> = own.iter().map(|(network, code)| format!("own {network} on {code} %")).collect();
    let mut header = vec!["method"];
    header.extend(own_titles.iter().map(String::as_str));
    header.extend([
        "rec. MSE, [0,1] pixels",
        "rec. MSE with mean Z, [0,1] pixels",
        "rec. MSE, model scale",
        "swaps read as S's label %",
        "swaps read as Z's label %",
        "epochs",
        "stopped",
        "wall time (min)",
        "device",
        "train / test images",
        "S / Z dims",
    ]);
    table(&header, &body)
}

/// How a method's runs stopped: one way, or each way with its count of runs.
fn stopped(runs: impl Iterator<Item = Stopped>) -> String {
    let mut counts: Vec<(Stopped, usize)> = Vec::new();
    for way in runs {
        match counts.iter_mut().find(|(w, _)| *w == way) {
            Some((_, n)) => *n += 1,
            None => counts.push((way, 1)),
        }
    }
    match counts.as_slice() {
        [(way, _)] => way.as_str().to_string(),
        _ => counts.iter().map(|(w, n)| format!("{} ({n})", w.as_str())).collect::<Vec<_>>().join(", "),
    }
}

/// Published probe accuracies beside ours (MLP probe, the same family).
pub fn anchor_table(summary: &DatasetSummary) -> String {
    let mut body: Vec<Vec<String>> = anchors::for_dataset(summary.dataset)
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
    for method in summary.methods() {
        let dim = |code| summary.runs_of(method).next().map_or("?".into(), |r| r.code(code).dim.to_string());
        let mlp = |code| {
            let acc: Vec<f64> =
                summary.label_scores(method, code, ProbeFamily::Mlp).iter().map(|s| s.accuracy).collect();
            Cell::of(&acc).percent()
        };
        let codes = summary.codes_of(method);
        let sampled = codes.contains(&Code::ZSample);
        for z in codes.into_iter().filter(|c| *c != Code::S) {
            let model = match (sampled, z) {
                (false, _) => method.to_string(),
                (true, Code::ZSample) => format!("{method} (Z sampled)"),
                (true, _) => format!("{method} (Z mean)"),
            };
            body.push(vec![
                "**ours**".into(),
                model,
                format!("{}/{}", dim(Code::Z), dim(Code::S)),
                mlp(z),
                mlp(Code::S),
            ]);
        }
    }
    format!(
        "{}\nPublished rows: {}; {}\n",
        table(&["source", "model", "z/s dims", "Z-probe test %", "S-probe test %"], &body),
        anchors::SOURCE,
        summary.dataset.facts().anchor_caveat
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_have_a_separator_row_per_column() {
        let t = table(&["a", "b"], &[vec!["1".into(), "2".into()]]);
        assert_eq!(t, "| a | b |\n| --- | --- |\n| 1 | 2 |\n");
    }
}
