//! The in-memory dataset type every reader returns, and its splits.

use ndarray::{Array4, Axis};
use serde::Serialize;

/// A factor of variation that is not the label (a "nuisance"), one value per image.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Factor {
    /// Short name, e.g. `"azimuth"`.
    pub name: String,
    /// Value of the factor for each image, in `0..cardinality`.
    pub values: Vec<usize>,
    /// Number of distinct values the factor can take.
    pub cardinality: usize,
}

/// Images with a label and optional nuisance factors.
#[derive(Debug, Clone)]
pub struct Dataset {
    /// Dataset name, e.g. `"mnist"`.
    pub name: String,
    /// Images as `(N, C, H, W)` u8.
    pub images: Array4<u8>,
    /// Label of each image, in `0..n_classes`.
    pub labels: Vec<usize>,
    /// Number of label classes.
    pub n_classes: usize,
    /// What the label means, e.g. `"digit"`, `"identity"`.
    pub label_name: String,
    /// Nuisance factors (empty for MNIST).
    pub nuisances: Vec<Factor>,
}

impl Dataset {
    /// Number of images.
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// True when the dataset holds no image.
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// `(C, H, W)` of one image.
    pub fn image_shape(&self) -> (usize, usize, usize) {
        let (_, c, h, w) = self.images.dim();
        (c, h, w)
    }

    /// Number of images of each class.
    pub fn class_counts(&self) -> Vec<usize> {
        let mut counts = vec![0; self.n_classes];
        for &y in &self.labels {
            counts[y] += 1;
        }
        counts
    }

    /// The nuisance factor called `name`, if any.
    pub fn factor(&self, name: &str) -> Option<&Factor> {
        self.nuisances.iter().find(|f| f.name == name)
    }

    /// The images at `indices` (in that order), with their labels and nuisances.
    pub fn select(&self, indices: &[usize]) -> Dataset {
        Dataset {
            name: self.name.clone(),
            images: self.images.select(Axis(0), indices),
            labels: indices.iter().map(|&i| self.labels[i]).collect(),
            n_classes: self.n_classes,
            label_name: self.label_name.clone(),
            nuisances: self
                .nuisances
                .iter()
                .map(|f| Factor {
                    name: f.name.clone(),
                    values: indices.iter().map(|&i| f.values[i]).collect(),
                    cardinality: f.cardinality,
                })
                .collect(),
        }
    }
}

/// Train, validation and test parts of a dataset.
#[derive(Debug, Clone)]
pub struct Splits {
    /// Training images.
    pub train: Dataset,
    /// Validation hold-out (model selection, early stopping).
    pub val: Dataset,
    /// Test images, never used for fitting.
    pub test: Dataset,
}

impl Splits {
    /// `("train", train)`, `("val", val)`, `("test", test)`.
    pub fn parts(&self) -> [(&'static str, &Dataset); 3] {
        [("train", &self.train), ("val", &self.val), ("test", &self.test)]
    }
}
