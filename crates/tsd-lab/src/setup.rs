//! A run's inputs from command-line options: which data to load (and how),
//! and `--set` overrides of its config. Shared by `tsd train` and `tsd reproduce`.

use std::path::PathBuf;

use crate::error::{refuse_unless, Context, LabError, Result};
use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use tsd_core::MethodConfig;
use tsd_data::{DatasetKind, LoadOptions, Splits};

/// Everything needed to load a run's data again: stored in each run's
/// manifest so that `tsd merge` can rebuild the test set a model was scored on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DataRequest {
    /// The dataset.
    pub dataset: DatasetKind,
    /// Folder holding the datasets (`None`: the usual search, see `tsd_data::locate`).
    pub data_dir: Option<PathBuf>,
    /// Seed of the validation hold-out and of seeded splits.
    pub seed: u64,
    /// Validation hold-out for MNIST and NORB (`None`: the loader's default, 2,000).
    pub val_size: Option<usize>,
    /// Train on N training images only: a seeded random subset (drawn with
    /// `seed`), so that every class keeps its share even when the training set
    /// is ordered by class (Cars3D, Sprites).
    pub train_subset: Option<usize>,
}

impl DataRequest {
    /// The loader options of this request.
    pub fn load_options(&self) -> LoadOptions {
        let mut options =
            LoadOptions { data_dir: self.data_dir.clone(), ..LoadOptions::default() }.with_seed(self.seed);
        if let Some(n) = self.val_size {
            options.val_size = n;
        }
        options
    }

    /// Loads the splits, keeping a seeded random `train_subset` of the training images.
    /// A subset of no image is refused before anything is loaded.
    pub fn load(&self) -> Result<Splits> {
        refuse_unless!(self.train_subset != Some(0), "--train-subset 0 leaves no training image: give at least 1");
        let mut splits = tsd_data::load(self.dataset, &self.load_options())?;
        if let Some(n) = self.train_subset.filter(|&n| n < splits.train.len()) {
            let mut indices: Vec<usize> = (0..splits.train.len()).collect();
            indices.shuffle(&mut ChaCha8Rng::seed_from_u64(self.seed));
            indices.truncate(n);
            indices.sort_unstable();
            splits.train = splits.train.select(&indices);
        }
        Ok(splits)
    }
}

/// Applies `--set [METHOD:]KEY=VALUE` overrides in order. An override with a
/// method prefix (`two-step:step1.epochs=1`, `mathieu:epochs=1`) applies only
/// to configs of that method; one without applies to every config, so its key
/// must exist in each.
pub fn apply_overrides(config: &mut MethodConfig, overrides: &[String]) -> Result<()> {
    for item in overrides {
        let (key, value) = item.split_once('=').with_context(|| format!("--set {item}: expected KEY=VALUE"))?;
        let key = match key.split_once(':') {
            Some((method, key)) => {
                let method: tsd_core::MethodId =
                    method.trim().parse().map_err(|e: String| LabError::Refused(format!("--set {item}: {e}")))?;
                if method != config.method() {
                    continue;
                }
                key
            }
            None => key,
        };
        config.set(key.trim(), value.trim()).with_context(|| format!("--set {item} ({} config)", config.method()))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use tsd_core::{Budget, MathieuConfig, MethodId, TwoStepConfig};

    fn preset(method: &str) -> MethodConfig {
        method.parse::<MethodId>().unwrap().preset("mnist", Budget::Full).unwrap()
    }

    #[test]
    fn prefixed_overrides_touch_only_their_method() {
        let overrides = ["two-step:step1.epochs=3".to_string(), "mathieu:epochs=5".into(), "nf=8".into()];
        let mut two = preset("two-step");
        let mut mathieu = preset("mathieu");
        apply_overrides(&mut two, &overrides).unwrap();
        apply_overrides(&mut mathieu, &overrides).unwrap();
        let (t, m) = (two.typed::<TwoStepConfig>().unwrap(), mathieu.typed::<MathieuConfig>().unwrap());
        let untouched = TwoStepConfig::mnist_released().step2.epochs;
        assert_eq!((t.step1.epochs, t.step2.epochs, t.nf), (3, untouched, 8));
        assert_eq!((m.epochs, m.nf), (5, 8));
    }

    #[test]
    fn bad_overrides_name_the_item() {
        let mut config = preset("two-step");
        for bad in ["nf", "no_such=1", "pca:nf=1"] {
            let err = apply_overrides(&mut config, &[bad.to_string()]).unwrap_err();
            assert!(err.chain().contains(bad), "{}", err.chain());
        }
    }

    #[test]
    fn train_subset_0_is_refused_before_loading_anything() {
        let request = DataRequest {
            dataset: tsd_data::DatasetKind::Mnist,
            data_dir: Some("/nonexistent".into()),
            seed: 0,
            val_size: None,
            train_subset: Some(0),
        };
        let err = request.load().unwrap_err();
        assert!(err.to_string().contains("--train-subset 0"), "{err}");
    }
}
