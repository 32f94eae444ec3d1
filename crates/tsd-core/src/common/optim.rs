//! Adam and SGD whose state (moments, step count) can be saved and restored, so
//! that a resumed training continues exactly where it stopped.

use tch::nn::VarStore;
use tch::Tensor;

use crate::common::config::OptimizerKind;
use crate::{CoreError, Result};

/// Keras' Adam epsilon.
const ADAM_EPS: f64 = 1e-8;
/// Adam beta2 (Keras and PyTorch default).
const ADAM_BETA2: f64 = 0.999;

/// An optimiser over the trainable variables of one [`VarStore`].
#[derive(Debug)]
pub struct Optimizer {
    kind: OptimizerKind,
    lr: f64,
    beta1: f64,
    vars: Vec<(String, Tensor)>,
    first: Vec<Tensor>,
    second: Vec<Tensor>,
    steps: i64,
}

impl Optimizer {
    /// SGD (no momentum) or Adam (`beta1`, beta2 0.999) with learning rate `lr`.
    pub fn new(vs: &VarStore, kind: OptimizerKind, lr: f64, beta1: f64) -> Self {
        let mut vars: Vec<(String, Tensor)> = vs.variables().into_iter().filter(|(_, t)| t.requires_grad()).collect();
        vars.sort_by(|a, b| a.0.cmp(&b.0));
        let zeros = |vars: &[(String, Tensor)]| vars.iter().map(|(_, t)| t.zeros_like()).collect();
        let (first, second) = match kind {
            OptimizerKind::Adam => (zeros(&vars), zeros(&vars)),
            OptimizerKind::Sgd => (Vec::new(), Vec::new()),
        };
        Optimizer { kind, lr, beta1, vars, first, second, steps: 0 }
    }

    /// Zeroes the gradients, back-propagates `loss` and takes one step.
    pub fn backward_step(&mut self, loss: &Tensor) {
        for (_, v) in &mut self.vars {
            v.zero_grad();
        }
        loss.backward();
        self.step();
    }

    fn step(&mut self) {
        self.steps += 1;
        let t = self.steps as f64;
        let lr_t = match self.kind {
            OptimizerKind::Sgd => self.lr,
            OptimizerKind::Adam => self.lr * (1.0 - ADAM_BETA2.powf(t)).sqrt() / (1.0 - self.beta1.powf(t)),
        };
        tch::no_grad(|| {
            for (i, (_, var)) in self.vars.iter_mut().enumerate() {
                let grad = var.grad();
                if !grad.defined() {
                    continue;
                }
                let update = match self.kind {
                    OptimizerKind::Sgd => grad,
                    OptimizerKind::Adam => {
                        let (m, v) = (&mut self.first[i], &mut self.second[i]);
                        let _ = m.g_mul_scalar_(self.beta1);
                        let _ = m.g_add_(&(&grad * (1.0 - self.beta1)));
                        let _ = v.g_mul_scalar_(ADAM_BETA2);
                        let _ = v.g_add_(&(&grad * &grad * (1.0 - ADAM_BETA2)));
                        &*m / (v.sqrt() + ADAM_EPS)
                    }
                };
                let _ = var.g_sub_(&(update * lr_t));
            }
        });
    }

    /// The optimiser's state as named tensors (names start with `prefix`).
    pub fn state(&self, prefix: &str) -> Vec<(String, Tensor)> {
        let mut out = vec![(format!("{prefix}steps"), Tensor::from_slice(&[self.steps as f32]))];
        for (i, (name, _)) in self.vars.iter().enumerate() {
            if let (Some(m), Some(v)) = (self.first.get(i), self.second.get(i)) {
                out.push((format!("{prefix}m/{name}"), m.shallow_clone()));
                out.push((format!("{prefix}v/{name}"), v.shallow_clone()));
            }
        }
        out
    }

    /// Restores a state written by [`Optimizer::state`] with the same `prefix`.
    pub fn load_state(&mut self, prefix: &str, tensors: &crate::common::checkpoint::TensorMap) -> Result<()> {
        let get =
            |name: String| tensors.get(&name).ok_or_else(|| CoreError::Data(format!("optimizer state {name} missing")));
        self.steps = get(format!("{prefix}steps"))?.double_value(&[0]) as i64;
        for (i, (name, _)) in self.vars.iter().enumerate() {
            if self.kind == OptimizerKind::Adam {
                tch::no_grad(|| -> Result<()> {
                    self.first[i].f_copy_(get(format!("{prefix}m/{name}"))?)?;
                    self.second[i].f_copy_(get(format!("{prefix}v/{name}"))?)?;
                    Ok(())
                })?;
            }
        }
        Ok(())
    }
}
