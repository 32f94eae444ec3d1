//! Safetensors files written atomically (temporary file, then rename), with a
//! string metadata map. Loadable from PyTorch with `safetensors.torch.load_file`.
//!
//! Each file carries a CRC-32 of its tensors (metadata `checksum`), checked
//! when it is loaded, so a damaged file is an error naming it rather than
//! wrong weights; and its metadata is written in sorted key order, so the
//! same tensors and metadata always give the same bytes.

use std::collections::{BTreeMap, HashMap};
use std::io::Write;
use std::path::Path;

use safetensors::tensor::{Dtype, TensorView};
use safetensors::SafeTensors;
use serde::de::DeserializeOwned;
use serde::Serialize;
use tch::nn::VarStore;
use tch::{Device, Kind, Tensor};

use crate::{CoreError, Result};

/// Tensors by name.
pub type TensorMap = HashMap<String, Tensor>;

/// Writes `bytes` to `path` atomically: a crash leaves the old file or the new one.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|e| CoreError::io(parent, e))?;
    }
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".partial");
    let tmp = std::path::PathBuf::from(tmp);
    let write = || -> std::io::Result<()> {
        let mut file = std::fs::File::create(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&tmp, path)
    };
    write().map_err(|e| CoreError::io(path, e))
}

/// Metadata key of the tensors' checksum.
const CHECKSUM_KEY: &str = "checksum";

/// CRC-32 of tensors (name, shape and little-endian f32 bytes), in name order.
fn checksum<'a>(tensors: impl Iterator<Item = (&'a str, &'a [usize], &'a [u8])>) -> String {
    let mut sorted: Vec<_> = tensors.collect();
    sorted.sort_by(|a, b| a.0.cmp(b.0));
    let mut crc = crc32fast::Hasher::new();
    for (name, shape, bytes) in sorted {
        crc.update(name.as_bytes());
        for d in shape {
            crc.update(&(*d as u64).to_le_bytes());
        }
        crc.update(bytes);
    }
    format!("crc32:{:08x}", crc.finalize())
}

/// Rewrites the JSON header of serialised safetensors `bytes` with its
/// `__metadata__` keys sorted (safetensors writes them in hash order); the
/// header keeps its length.
fn sort_metadata(bytes: &mut [u8], path: &Path) -> Result<()> {
    let n = u64::from_le_bytes(bytes[..8].try_into().expect("8 bytes")) as usize;
    let header = &mut bytes[8..8 + n];
    let mut json: serde_json::Value = serde_json::from_slice(header).map_err(|e| bad(path, format!("header: {e}")))?;
    if let Some(serde_json::Value::Object(meta)) = json.get_mut("__metadata__") {
        meta.sort_keys();
    }
    let text = serde_json::to_vec(&json).map_err(|e| bad(path, format!("header: {e}")))?;
    if text.len() > n {
        return Err(bad(path, "header grew when its metadata was sorted".into()));
    }
    header[..text.len()].copy_from_slice(&text);
    header[text.len()..].fill(b' ');
    Ok(())
}

/// Saves f32 tensors and metadata to a safetensors file, atomically, with
/// their checksum.
pub fn save(path: &Path, tensors: &[(String, Tensor)], metadata: &BTreeMap<String, String>) -> Result<()> {
    let mut buffers = Vec::with_capacity(tensors.len());
    for (name, tensor) in tensors {
        let flat = tensor.to_device(Device::Cpu).to_kind(Kind::Float).contiguous().view([-1]);
        let values = Vec::<f32>::try_from(&flat)?;
        let bytes: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
        let shape: Vec<usize> = tensor.size().iter().map(|&d| d as usize).collect();
        buffers.push((name.clone(), shape, bytes));
    }
    let views = buffers
        .iter()
        .map(|(name, shape, bytes)| {
            TensorView::new(Dtype::F32, shape.clone(), bytes)
                .map(|v| (name.as_str(), v))
                .map_err(|e| bad(path, format!("{e:?}")))
        })
        .collect::<Result<Vec<_>>>()?;
    let mut info: HashMap<String, String> = metadata.clone().into_iter().collect();
    let sum = checksum(buffers.iter().map(|(n, shape, bytes)| (n.as_str(), shape.as_slice(), bytes.as_slice())));
    info.insert(CHECKSUM_KEY.into(), sum);
    let mut bytes = safetensors::serialize(views, &Some(info)).map_err(|e| bad(path, format!("{e:?}")))?;
    sort_metadata(&mut bytes, path)?;
    write_atomic(path, &bytes)
}

/// What to do with a damaged file, for its error.
const DAMAGED_HINT: &str =
    "delete it to start again (for a run's checkpoint.safetensors: the run restarts from its first epoch)";

/// Loads every tensor (as f32 on `device`) and the metadata of a safetensors
/// file, checking its checksum when it has one (files of older versions do not).
pub fn load(path: &Path, device: Device) -> Result<(TensorMap, BTreeMap<String, String>)> {
    let bytes = std::fs::read(path).map_err(|e| CoreError::io(path, e))?;
    let damaged = |e: safetensors::SafeTensorError| {
        bad(path, format!("not a complete safetensors file ({e:?}): it is truncated or damaged; {DAMAGED_HINT}"))
    };
    let (_, header) = SafeTensors::read_metadata(&bytes).map_err(damaged)?;
    let mut metadata: BTreeMap<String, String> = header.metadata().clone().unwrap_or_default().into_iter().collect();
    let views = SafeTensors::deserialize(&bytes).map_err(damaged)?.tensors();
    if let Some(expected) = metadata.remove(CHECKSUM_KEY) {
        let found = checksum(views.iter().map(|(n, v)| (n.as_str(), v.shape(), v.data())));
        if found != expected {
            return Err(bad(
                path,
                format!(
                    "the tensors do not match their checksum ({found}, stored {expected}): the file is damaged; {DAMAGED_HINT}"
                ),
            ));
        }
    }
    let mut tensors = TensorMap::new();
    for (name, view) in views {
        if view.dtype() != Dtype::F32 {
            return Err(bad(path, format!("tensor {name} is {:?}, expected F32", view.dtype())));
        }
        let values: Vec<f32> =
            view.data().chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect();
        let shape: Vec<i64> = view.shape().iter().map(|&d| d as i64).collect();
        tensors.insert(name, Tensor::from_slice(&values).view(shape.as_slice()).to_device(device));
    }
    Ok((tensors, metadata))
}

/// Every variable of `vs` (trainable or not, e.g. BatchNorm statistics), names prefixed, sorted.
pub fn var_tensors(vs: &VarStore, prefix: &str) -> Vec<(String, Tensor)> {
    let mut out: Vec<_> = vs.variables().into_iter().map(|(name, t)| (format!("{prefix}{name}"), t)).collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

/// Copies the tensors named `prefix + name` into the variables of `vs`;
/// a missing tensor or a shape mismatch is an error naming `path`.
pub fn load_vars(vs: &VarStore, prefix: &str, tensors: &TensorMap, path: &Path) -> Result<()> {
    tch::no_grad(|| {
        for (name, mut var) in vs.variables() {
            let key = format!("{prefix}{name}");
            let src = tensors.get(&key).ok_or_else(|| bad(path, format!("tensor {key} missing")))?;
            if src.size() != var.size() {
                return Err(bad(path, format!("tensor {key} has shape {:?}, expected {:?}", src.size(), var.size())));
            }
            var.f_copy_(src)?;
        }
        Ok(())
    })
}

/// Saves a model file: weights plus its format tag, config (TOML) and data spec (JSON).
pub fn save_model<C: Serialize, S: Serialize>(
    path: &Path,
    format: &str,
    config: &C,
    spec: &S,
    tensors: &[(String, Tensor)],
) -> Result<()> {
    let config = toml::to_string(config).map_err(|e| bad(path, format!("config: {e}")))?;
    let spec = serde_json::to_string(spec).map_err(|e| bad(path, format!("spec: {e}")))?;
    let meta = BTreeMap::from([
        ("format".to_string(), format.to_string()),
        ("config".to_string(), config),
        ("spec".to_string(), spec),
    ]);
    save(path, tensors, &meta)
}

/// Loads a model file written by [`save_model`] with the same `format` tag.
pub fn load_model<C: DeserializeOwned, S: DeserializeOwned>(
    path: &Path,
    format: &str,
    device: Device,
) -> Result<(TensorMap, C, S)> {
    let (tensors, meta) = load(path, device)?;
    let found = meta.get("format").map(String::as_str).unwrap_or("none");
    if found != format {
        return Err(bad(path, format!("model format {found:?}, expected {format:?}")));
    }
    let field = |key: &str| meta.get(key).ok_or_else(|| bad(path, format!("metadata {key:?} missing")));
    let config = toml::from_str(field("config")?).map_err(|e| bad(path, format!("config: {e}")))?;
    let spec = serde_json::from_str(field("spec")?).map_err(|e| bad(path, format!("spec: {e}")))?;
    Ok((tensors, config, spec))
}

/// Deep copies of `tensors` (a snapshot that later training does not change).
pub fn snapshot(tensors: &[(String, Tensor)]) -> Vec<(String, Tensor)> {
    tch::no_grad(|| tensors.iter().map(|(n, t)| (n.clone(), t.detach().copy())).collect())
}

fn bad(path: &Path, problem: String) -> CoreError {
    CoreError::BadCheckpoint { path: path.to_path_buf(), problem }
}
