//! What is known about each dataset, in one place: folder and files, label,
//! nuisances, origin, known duplicates, and the caveats results pages print.
//!
//! [`DatasetKind::facts`] gives a dataset's [`DatasetFacts`]. The readers take
//! their dataset name, label name and nuisance names from here, [`locate`]
//! reads the expected files from here, and the results pages should quote
//! the caveats from here rather than repeat them.
//!
//! ```
//! use tsd_data::DatasetKind;
//!
//! let norb = DatasetKind::Norb.facts();
//! assert_eq!(norb.label, "category");
//! assert_eq!(norb.stand_in, Some(DatasetKind::Cars3d));
//! assert_eq!(DatasetKind::Cars3d.facts().n_classes, 181);
//! ```
//!
//! [`locate`]: mod@crate::locate

use crate::{cars3d, mnist, norb, sprites, DatasetKind};

/// Where small NORB can be downloaded, as a literal for `concat!`.
macro_rules! norb_url {
    () => {
        "https://cs.nyu.edu/~ylclab/data/norb-v1.0-small/"
    };
}

/// Facts about one dataset. Every text is a complete sentence or phrase that
/// can be printed as it is.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DatasetFacts {
    /// Lower-case name: the name of its data sub-folder, of its
    /// [`DatasetKind`] (`--dataset`), and of the [`Dataset`](crate::Dataset)s
    /// its reader returns.
    pub name: &'static str,
    /// One line: what the dataset is, as published.
    pub title: &'static str,
    /// Name of the label, the [`Dataset::label_name`](crate::Dataset::label_name)
    /// its reader returns.
    pub label: &'static str,
    /// What the label is.
    pub label_meaning: &'static str,
    /// Number of label classes of the full data, after the reader's cleaning
    /// (Cars3D: duplicates dropped).
    pub n_classes: usize,
    /// `(name, cardinality)` of each nuisance factor, in the order the reader
    /// returns them (empty for MNIST).
    pub nuisances: &'static [(&'static str, usize)],
    /// Files its folder must hold (each also accepted with `.gz` appended).
    pub files: &'static [&'static str],
    /// Who made it and in what form the reader expects it.
    pub origin: &'static str,
    /// Where the files can be downloaded as the reader reads them, if anywhere.
    pub download: Option<&'static str>,
    /// Known duplicate images or identities, and what the reader does about
    /// them: one paragraph each (empty when none is known).
    pub duplicates: &'static [&'static str],
    /// Paragraph for the dataset's results page and the README, if any.
    pub results_caveat: Option<&'static str>,
    /// What the published probe numbers (the anchors) of this dataset are
    /// worth, for the note under the anchor table.
    pub anchor_caveat: &'static str,
    /// Item for the README's list of what was not reproduced, when the
    /// dataset is part of a sweep.
    pub readme_caveat: Option<&'static str>,
    /// Item for the README's list of what was not reproduced, when the
    /// dataset is not available (small NORB).
    pub availability: Option<&'static str>,
    /// The dataset that plays this one's part while it is not available.
    pub stand_in: Option<DatasetKind>,
}

impl DatasetFacts {
    /// Names of the nuisance factors, in order.
    pub fn nuisance_names(&self) -> Vec<&'static str> {
        self.nuisances.iter().map(|&(name, _)| name).collect()
    }
}

impl DatasetKind {
    /// What is known about this dataset.
    pub const fn facts(self) -> &'static DatasetFacts {
        match self {
            DatasetKind::Mnist => &MNIST,
            DatasetKind::Sprites => &SPRITES,
            DatasetKind::Cars3d => &CARS3D,
            DatasetKind::Norb => &NORB,
        }
    }
}

/// Where small NORB can be downloaded (it is not shipped with tsd).
pub const NORB_URL: &str = norb_url!();

/// Nuisances of small NORB: the four columns of its `-info` files.
pub(crate) const NORB_NUISANCES: [(&str, usize); 4] =
    [("instance", 10), ("elevation", 9), ("azimuth", 18), ("lighting", 6)];

/// Anchor caveat of the datasets without published probe numbers.
const NO_ANCHORS: &str = "no published probe numbers for this dataset.";

/// MNIST.
pub const MNIST: DatasetFacts = DatasetFacts {
    name: "mnist",
    title: "MNIST: handwritten digits, 60,000 training and 10,000 test images, 28×28 grey",
    label: "digit",
    label_meaning: "the digit drawn, 0 to 9",
    n_classes: mnist::N_CLASSES,
    nuisances: &[],
    files: &mnist::FILES,
    origin: "LeCun, Cortes & Burges, the MNIST database of handwritten digits: the four standard IDX files",
    download: None,
    duplicates: &[],
    results_caveat: None,
    anchor_caveat: "chance 10 %.",
    readme_caveat: None,
    availability: None,
    stand_in: None,
};

/// Sprites.
pub const SPRITES: DatasetFacts = DatasetFacts {
    name: "sprites",
    title: "Sprites (Reed et al. 2015): 672 characters × 178 animation frames, 60×60 RGB",
    label: "identity",
    label_meaning: "the character index, one class per character (every character has a distinct tuple of its \
                    7 attributes)",
    n_classes: sprites::RELEASE_CHARACTERS,
    nuisances: &[("clip", sprites::CLIP_FRAMES.len()), ("frame", sprites::MAX_CLIP_FRAMES)],
    files: &sprites::FILES,
    origin: "Reed, Zhang, Zhang & Lee, \"Deep Visual Analogy-Making\", NIPS 2015: the frames, the 7 attributes \
             and the 500 / 72 / 100 character split, converted losslessly to IDX and JSON",
    download: None,
    duplicates: &["Characters 2k and 2k + 1 differ only in the weapon, which the spellcast, walk, slash and hurt \
                   clips (clips 0–3, 8–15, 20) do not draw. Measured on the full data at 60×60, 62,745 of the \
                   119,616 frames (52.5 %) are bit-identical to a frame of another character (30,768 contents \
                   shared by two characters, 168 by four, always within a block 4j..4j + 3), so no classifier can \
                   name the character of a single frame more than 73.7 % of the time (the Bayes rate with this \
                   label). Nothing is dropped; the survey reports it as a warning."],
    results_caveat: Some(
        "Sprites identity labels: characters 2k and 2k+1 differ only in the weapon, which most clips do not draw; \
         52.5 % of frames are bit-identical to a frame of another character, so no classifier can name the character \
         of a single frame more than ~74 % of the time (see `crates/tsd-data/src/sprites.rs`). S-probe accuracies are \
         capped there, and Z accuracies above chance partly reflect the same ambiguity.",
    ),
    anchor_caveat: "their Sprites label and split are not fully documented: indicative only (REFERENCE §3).",
    readme_caveat: Some(
        "Sprites identity: ~52 % of frames are bit-identical to a frame of another character (characters 2k and \
         2k+1 differ only in a weapon most clips do not draw), so single-frame identity accuracy is capped near 74 %; \
         the published Sprites rows used an undocumented label and split and are indicative only.",
    ),
    availability: None,
    stand_in: None,
};

/// Cars3D.
pub const CARS3D: DatasetFacts = DatasetFacts {
    name: "cars3d",
    title: "Cars3D (Reed et al. 2015): 183 car models × 4 elevations × 24 azimuths, 64×64 RGB",
    label: "identity",
    label_meaning: "the car model, one class per model kept, numbered in file order",
    n_classes: cars3d::RELEASE_CARS - cars3d::DROPPED_DUPLICATES.len(),
    nuisances: &[("elevation", cars3d::ELEVATIONS), ("azimuth", cars3d::AZIMUTHS)],
    files: &cars3d::FILES,
    origin: "Reed, Zhang, Zhang & Lee, \"Deep Visual Analogy-Making\", NIPS 2015, from the 3-D car models of \
             Fidler, Dickinson & Urtasun, NIPS 2012: renders downsampled from 128×128 to 64×64, stored as one IDX file",
    download: None,
    duplicates: &[
        "Two pairs of models of the 183-car release are bit-identical in all 96 views: car_031 = car_123 (indices \
         30 and 113) and car_169 = car_172 (indices 154 and 157), as the data's README says (not re-checked at load \
         time). Keeping both of a pair would put the same images under two labels, in train and in test alike, so \
         the second of each pair (113 and 157) is dropped: 181 cars, relabelled 0..181 in file order. Files with \
         another number of cars drop nothing.",
        "car_013 and car_059 (file indices 12 and 57, labels 12 and 57) are near-duplicates and are kept: they \
         differ by at most 8 of the 12,288 values of any 64×64 view, 32 of their 96 views are bit-identical at \
         64×64, and 64 at 32×32. Those images carry two labels; the survey reports it as a warning.",
    ],
    results_caveat: Some(
        "Cars3D stands in for small NORB (not available offline): 3-D objects, label = car identity (181 classes \
         after dropping two bit-identical duplicates of the 183), nuisances = elevation and azimuth; each car's 96 \
         views are split at random into train / validation / test (see `crates/tsd-data/src/cars3d.rs`).",
    ),
    anchor_caveat: NO_ANCHORS,
    readme_caveat: None,
    availability: None,
    stand_in: None,
};

/// small NORB.
pub const NORB: DatasetFacts = DatasetFacts {
    name: "norb",
    title: "small NORB (LeCun, Huang & Bottou 2004): 5 categories × 10 instances, 9 elevations × 18 azimuths × \
            6 lightings, stereo pairs of 96×96 grey",
    label: "category",
    label_meaning: "the object category: animal, human, airplane, truck or car",
    n_classes: norb::N_CATEGORIES,
    nuisances: &NORB_NUISANCES,
    files: &norb::FILES,
    origin: "LeCun, Huang & Bottou, \"Learning Methods for Generic Object Recognition with Invariance to Pose and \
             Lighting\", CVPR 2004: the six binary matrix files of the small set",
    download: Some(norb_url!()),
    duplicates: &[],
    results_caveat: None,
    anchor_caveat: NO_ANCHORS,
    readme_caveat: None,
    availability: Some(concat!(
        "small NORB is not available here (it cannot be downloaded offline; get it from ",
        norb_url!(),
        " and rerun with `--dataset norb --data-dir <folder>`). Its reader is tested on generated files in the real \
         format. Cars3D stands in for it (3-D objects, identity label, viewpoint nuisances).",
    )),
    stand_in: Some(DatasetKind::Cars3d),
};
