//! What the models share: layers with Keras initialisation, optimisers with
//! saveable state, atomic safetensors checkpoints, the model-file format
//! written once for every model ([`saved::SavedModel`]), config files, and
//! tensors made from datasets.

pub mod checkpoint;
pub mod config;
pub mod cross_section;
pub mod layers;
pub mod optim;
pub mod saved;
pub mod tensors;
