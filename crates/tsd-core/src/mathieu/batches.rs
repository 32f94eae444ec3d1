//! The baseline's stream of paired batches: every image comes with a random
//! other image of its class. Batch number `k` of the run is a pure function of
//! `(seed, k)`, so a resumed run continues the stream exactly.

use rand::seq::SliceRandom;
use rand::Rng;

use super::config::BatchOrder;
use crate::common::tensors::epoch_rng;
use crate::{CoreError, Result};

/// Indices of one batch: images and their same-class partners.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PairedBatch {
    /// Images.
    pub images: Vec<i64>,
    /// For each image, another image of its class.
    pub partners: Vec<i64>,
}

/// The run's batches: passes over the shuffled training set, cut into full
/// batches (the last partial one dropped, as `DataLoader(drop_last=True)`).
#[derive(Debug)]
pub struct PairedBatches {
    by_class: Vec<Vec<i64>>,
    labels: Vec<usize>,
    batch_size: usize,
    seed: u64,
    order: BatchOrder,
    /// The pass whose batches are cached, and its batches.
    cached: Option<(usize, Vec<PairedBatch>)>,
}

impl PairedBatches {
    /// The stream over training `labels`. Needs a class with two images and at
    /// least one full batch.
    pub fn new(labels: &[usize], n_classes: usize, batch_size: usize, seed: u64, order: BatchOrder) -> Result<Self> {
        let mut by_class = vec![Vec::new(); n_classes];
        for (i, &y) in labels.iter().enumerate() {
            by_class[y].push(i as i64);
        }
        if batch_size == 0 || labels.len() < batch_size {
            return Err(CoreError::Data(format!(
                "Mathieu et al. need at least one batch of {batch_size} training images, got {}",
                labels.len()
            )));
        }
        if let Some(y) = labels.iter().find(|&&y| by_class[y].len() < 2) {
            return Err(CoreError::Data(format!(
                "Mathieu et al. pair every image with another of its class; class {y} has a single training image"
            )));
        }
        Ok(PairedBatches { by_class, labels: labels.to_vec(), batch_size, seed, order, cached: None })
    }

    /// Full batches in one pass.
    pub fn per_pass(&self) -> usize {
        self.labels.len() / self.batch_size
    }

    /// Batch number `k` of the run (counted from 0 over the whole run).
    pub fn get(&mut self, k: usize) -> &PairedBatch {
        let per_pass = self.per_pass();
        let pass = match self.order {
            BatchOrder::Cycled => 0,
            BatchOrder::Reshuffled => k / per_pass,
        };
        if self.cached.as_ref().map(|(p, _)| *p) != Some(pass) {
            self.cached = Some((pass, self.pass(pass)));
        }
        &self.cached.as_ref().expect("cached above").1[k % per_pass]
    }

    /// The batches of pass `pass`: a seeded shuffle, each image with a
    /// uniformly drawn different image of its class.
    fn pass(&self, pass: usize) -> Vec<PairedBatch> {
        let mut rng = epoch_rng(self.seed ^ 0x5041_4952, pass);
        let mut order: Vec<usize> = (0..self.labels.len()).collect();
        order.shuffle(&mut rng);
        order
            .chunks_exact(self.batch_size)
            .map(|chunk| {
                let partners = chunk
                    .iter()
                    .map(|&i| {
                        let class = &self.by_class[self.labels[i]];
                        loop {
                            let j = class[rng.gen_range(0..class.len())];
                            if j != i as i64 {
                                break j;
                            }
                        }
                    })
                    .collect();
                PairedBatch { images: chunk.iter().map(|&i| i as i64).collect(), partners }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels() -> Vec<usize> {
        (0..103).map(|i| i % 3).collect()
    }

    #[test]
    fn partners_share_the_class_and_differ_from_the_image() {
        let labels = labels();
        let mut stream = PairedBatches::new(&labels, 3, 10, 7, BatchOrder::Reshuffled).unwrap();
        assert_eq!(stream.per_pass(), 10);
        for k in 0..25 {
            let b = stream.get(k).clone();
            assert_eq!(b.images.len(), 10);
            for (&i, &j) in b.images.iter().zip(&b.partners) {
                assert!(i != j && labels[i as usize] == labels[j as usize]);
            }
        }
    }

    #[test]
    fn cycled_replays_the_first_pass_and_reshuffled_does_not() {
        let labels = labels();
        let mut cycled = PairedBatches::new(&labels, 3, 10, 7, BatchOrder::Cycled).unwrap();
        let mut fresh = PairedBatches::new(&labels, 3, 10, 7, BatchOrder::Reshuffled).unwrap();
        assert_eq!(cycled.get(3).clone(), cycled.get(13).clone());
        assert_eq!(cycled.get(3).clone(), fresh.get(3).clone(), "the first pass is the same");
        assert_ne!(fresh.get(3).clone(), fresh.get(13).clone());
        // A pass covers every image once, except the dropped remainder.
        let mut seen: Vec<i64> = (10..20).flat_map(|k| fresh.get(k).images.clone()).collect();
        seen.sort();
        seen.dedup();
        assert_eq!(seen.len(), 100);
    }

    #[test]
    fn rejects_a_class_of_one_and_a_set_smaller_than_a_batch() {
        let err = PairedBatches::new(&[0, 0, 1], 2, 2, 0, BatchOrder::Cycled).unwrap_err();
        assert!(err.to_string().contains("class 1 has a single"), "{err}");
        let err = PairedBatches::new(&[0, 0], 1, 4, 0, BatchOrder::Cycled).unwrap_err();
        assert!(err.to_string().contains("at least one batch of 4"), "{err}");
    }
}
