//! Fills the three parts of a split item by item, in file order, writing each
//! image straight into its part's buffer (no second copy of the data set).

use ndarray::Array4;

use crate::split::{Part, SplitIndices};
use crate::{Dataset, DatasetKind, Factor, Splits};

/// Static description of a dataset's label and nuisances.
pub(crate) struct Schema {
    pub name: &'static str,
    pub label_name: &'static str,
    pub n_classes: usize,
    /// `(name, cardinality)` of each nuisance.
    pub factors: Vec<(&'static str, usize)>,
    /// `(C, H, W)` of the output images.
    pub shape: (usize, usize, usize),
}

impl Schema {
    /// The schema of `kind` (name, label name and nuisances from its
    /// [`facts`](DatasetKind::facts)) with `n_classes` classes and images of
    /// `shape`.
    pub fn new(kind: DatasetKind, n_classes: usize, shape: (usize, usize, usize)) -> Schema {
        let facts = kind.facts();
        Schema { name: facts.name, label_name: facts.label, n_classes, factors: facts.nuisances.to_vec(), shape }
    }
}

struct PartBuf {
    images: Vec<u8>,
    labels: Vec<usize>,
    factors: Vec<Vec<usize>>,
    filled: usize,
    capacity: usize,
}

/// Collects items into train / val / test following a [`SplitIndices`].
pub(crate) struct PartsBuilder {
    schema: Schema,
    /// Part of each pool item (`None`: dropped).
    assignment: Vec<Option<Part>>,
    parts: [PartBuf; 3],
}

fn slot(part: Part) -> usize {
    match part {
        Part::Train => 0,
        Part::Val => 1,
        Part::Test => 2,
    }
}

impl PartsBuilder {
    /// `plan` decides where pool items go; a separate test part (MNIST, NORB)
    /// is filled through [`PartsBuilder::test_item`].
    pub fn new(schema: Schema, plan: &SplitIndices) -> PartsBuilder {
        let (c, h, w) = schema.shape;
        let n_factors = schema.factors.len();
        let make = |n: usize| PartBuf {
            images: vec![0; n * c * h * w],
            labels: Vec::with_capacity(n),
            factors: vec![Vec::with_capacity(n); n_factors],
            filled: 0,
            capacity: n,
        };
        PartsBuilder {
            assignment: plan.assignment(),
            parts: [make(plan.train.len()), make(plan.val.len()), make(plan.test.len())],
            schema,
        }
    }

    /// Records pool item `item` (items must come in ascending order) and
    /// returns the buffer its `C·H·W` image is to be written to, or `None` when
    /// the plan drops the item.
    pub fn item(&mut self, item: usize, label: usize, factors: &[usize]) -> Option<&mut [u8]> {
        let part = (*self.assignment.get(item)?)?;
        Some(self.push(part, label, factors))
    }

    /// Records the next item of a separate test file.
    pub fn test_item(&mut self, label: usize, factors: &[usize]) -> &mut [u8] {
        self.push(Part::Test, label, factors)
    }

    fn push(&mut self, part: Part, label: usize, factors: &[usize]) -> &mut [u8] {
        let (c, h, w) = self.schema.shape;
        let size = c * h * w;
        let buf = &mut self.parts[slot(part)];
        assert!(buf.filled < buf.capacity, "more {} items than planned", part.name());
        buf.labels.push(label);
        for (values, &v) in buf.factors.iter_mut().zip(factors) {
            values.push(v);
        }
        let at = buf.filled * size;
        buf.filled += 1;
        &mut buf.images[at..at + size]
    }

    /// The finished splits.
    ///
    /// # Panics
    /// When fewer items were recorded than the plan announced (a reader bug).
    pub fn finish(self) -> Splits {
        let schema = self.schema;
        let (c, h, w) = schema.shape;
        let [train, val, test] = self.parts.map(|p| {
            assert_eq!(p.filled, p.capacity, "fewer items than planned");
            let images = Array4::from_shape_vec((p.filled, c, h, w), p.images).expect("buffer sized from the plan");
            Dataset {
                name: schema.name.to_string(),
                images,
                labels: p.labels,
                n_classes: schema.n_classes,
                label_name: schema.label_name.to_string(),
                nuisances: schema
                    .factors
                    .iter()
                    .zip(p.factors)
                    .map(|(&(name, cardinality), values)| Factor { name: name.to_string(), values, cardinality })
                    .collect(),
            }
        });
        Splits { train, val, test }
    }
}
