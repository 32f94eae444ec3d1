//! Safetensors files written atomically (temporary file, then rename), with a
//! string metadata map. Loadable from PyTorch with `safetensors.torch.load_file`.

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

/// Saves f32 tensors and metadata to a safetensors file, atomically.
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
    let info: HashMap<String, String> = metadata.clone().into_iter().collect();
    let bytes = safetensors::serialize(views, &Some(info)).map_err(|e| bad(path, format!("{e:?}")))?;
    write_atomic(path, &bytes)
}

/// Loads every tensor (as f32 on `device`) and the metadata of a safetensors file.
pub fn load(path: &Path, device: Device) -> Result<(TensorMap, BTreeMap<String, String>)> {
    let bytes = std::fs::read(path).map_err(|e| CoreError::io(path, e))?;
    let (_, header) =
        SafeTensors::read_metadata(&bytes).map_err(|e| bad(path, format!("not a safetensors file: {e:?}")))?;
    let metadata = header.metadata().clone().unwrap_or_default().into_iter().collect();
    let file = SafeTensors::deserialize(&bytes).map_err(|e| bad(path, format!("not a safetensors file: {e:?}")))?;
    let mut tensors = TensorMap::new();
    for (name, view) in file.tensors() {
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
