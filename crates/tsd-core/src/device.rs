//! Choosing where tensors live: `--device auto|cpu|cuda`.

use std::str::FromStr;

use serde::{Deserialize, Serialize};
use tch::Device;

use crate::{CoreError, Result};

/// The user's device request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DeviceChoice {
    /// CUDA when available, else CPU (the default).
    #[default]
    Auto,
    /// Always the CPU.
    Cpu,
    /// The first CUDA device; an error when there is none.
    Cuda,
}

impl DeviceChoice {
    /// Resolves the request on this machine.
    pub fn resolve(self) -> Result<Device> {
        match self {
            DeviceChoice::Cpu => Ok(Device::Cpu),
            DeviceChoice::Auto => Ok(Device::cuda_if_available()),
            DeviceChoice::Cuda if tch::Cuda::is_available() => Ok(Device::Cuda(0)),
            DeviceChoice::Cuda => Err(CoreError::NoCuda),
        }
    }
}

impl FromStr for DeviceChoice {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s {
            "auto" => Ok(DeviceChoice::Auto),
            "cpu" => Ok(DeviceChoice::Cpu),
            "cuda" => Ok(DeviceChoice::Cuda),
            other => Err(format!("unknown device {other:?}: expected auto, cpu or cuda")),
        }
    }
}

/// Human-readable name of a device (`cpu`, `cuda:0`).
pub fn device_name(device: Device) -> String {
    match device {
        Device::Cpu => "cpu".to_string(),
        Device::Cuda(i) => format!("cuda:{i}"),
        other => format!("{other:?}").to_lowercase(),
    }
}
