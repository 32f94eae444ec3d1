//! Methods on series (return windows of the factor model, each followed by its
//! cross-section): the two-step model with the cross-section network learns,
//! saves and reloads, and refuses windows without their context; so does
//! Mathieu et al.'s baseline on its cross-section network, whose conv
//! networks refuse series with a clear error.

use tch::{Device, Kind, Tensor};

const FLOAT: (Kind, Device) = (Kind::Float, Device::Cpu);
use tsd_core::mathieu::MathieuNetwork;
use tsd_core::two_step::Network;
use tsd_core::{
    encode_tensor, Budget, Disentangler, Mathieu, MathieuModel, Method, ModelSpec, SavedModel, TensorData, TwoStep,
    TwoStepModel,
};
use tsd_data::returns::{windows, FactorModel, SeriesSplits, WindowOptions};

use crate::common::{run, values};

/// Factor-model windows whose sector is easy to read: few sectors, strong, distinct drifts.
fn series() -> SeriesSplits {
    let model = FactorModel {
        stocks: 60,
        sectors: 3,
        years: 2,
        days_per_year: 250,
        sector_drift: (-0.01, 0.01),
        sector_vol: (0.002, 0.004),
        ..FactorModel::default()
    };
    let opts = WindowOptions { input_days: 20, horizon: 2, stride: 4, ..WindowOptions::default() };
    windows::split(&model.generate().unwrap(), &opts).unwrap()
}

/// Windows followed by their context (4 mean paths of 20 days).
fn with_context(set: &tsd_data::returns::SeriesSet) -> TensorData {
    TensorData::from_series(set.inputs_with_context().view(), &set.labels, Device::Cpu)
}

fn tensors(splits: &SeriesSplits) -> (ModelSpec, TensorData, TensorData) {
    (ModelSpec::for_series(20, 80, 3), with_context(&splits.train), with_context(&splits.val))
}

#[test]
fn two_step_on_series_learns_and_reloads() {
    let splits = series();
    let mut config = TwoStep::preset("factor-model", Budget::Full).unwrap();
    assert_eq!(config.network, Network::CrossSection { widths: vec![256, 256] });
    config.network = Network::CrossSection { widths: vec![32] };
    config.step1.epochs = 4;
    config.step2.epochs = 4;
    config.step2.lr = 1e-3;
    config.bn_momentum = 0.1;
    let dir = tempfile::tempdir().unwrap();
    let (spec, train, val) = tensors(&splits);
    let (model, history) = TwoStep::train_tensors(&config, spec, train, val, &run(dir.path(), false)).unwrap();
    let val_acc = values(&history, "step1", "val_acc");
    assert!(*val_acc.last().unwrap() > 0.6, "the sector drifts are easy to read: {val_acc:?}");
    let rec = values(&history, "step2", "rec");
    assert!(rec.last().unwrap() < &rec[0], "reconstruction falls: {rec:?}");
    // Codes of every window, decoded back to a window of the input's shape.
    let x = with_context(&splits.test).images;
    let codes = encode_tensor(&model, &x, 64, None).unwrap();
    assert_eq!((codes.s.dim(), codes.z.dim()), ((splits.test.len(), 10), (splits.test.len(), 100)));
    let n = splits.test.len() as i64;
    assert_eq!(model.swap(&x, &x).size(), [n, 20, 1, 1], "a swap gives back the window, not its context");
    assert!(reads_the_context(&model, &x));
    refuses_windows_without_context::<TwoStep>(&config, &splits);
    // Saved and reloaded, it encodes identically.
    let path = dir.path().join("model.safetensors");
    model.save(&path).unwrap();
    let back = TwoStepModel::load(&path, Device::Cpu).unwrap();
    assert_eq!(back.config.network, Network::CrossSection { widths: vec![32] });
    assert!(back.encode(&x).z.equal(&model.encode(&x).z));
}

/// `M` at `config` refuses windows without their context, by name.
fn refuses_windows_without_context<M: Method>(config: &M::Config, splits: &SeriesSplits) {
    let bare = |s: &tsd_data::returns::SeriesSet| TensorData::from_series(s.inputs.view(), &s.labels, Device::Cpu);
    let dir = tempfile::tempdir().unwrap();
    let spec = ModelSpec::for_series(20, 0, 3);
    match M::train_tensors(config, spec, bare(&splits.train), bare(&splits.val), &run(dir.path(), false)) {
        Ok(_) => panic!("{} trained on windows without their context", M::NAME),
        Err(e) => assert!(e.to_string().contains("followed by their context"), "{e}"),
    }
}

/// A decoder that reads the cross-section: other mean paths, another window.
fn reads_the_context(model: &dyn Disentangler, x: &Tensor) -> bool {
    let n = x.size()[0];
    let codes = model.encode(x);
    let shifted = x + Tensor::cat(&[Tensor::zeros([n, 20, 1, 1], FLOAT), Tensor::ones([n, 80, 1, 1], FLOAT)], 1);
    let moved = model.decode_given(&codes.s, &codes.z, &shifted) - model.decode_given(&codes.s, &codes.z, x);
    moved.abs().max().double_value(&[]) > 1e-4
}

#[test]
fn mathieu_on_series_learns_samples_and_reloads() {
    let splits = series();
    let mut config = Mathieu::preset("factor-model", Budget::Full).unwrap();
    assert_eq!(config.network, MathieuNetwork::CrossSection { widths: vec![256, 256] });
    config.network = MathieuNetwork::CrossSection { widths: vec![32] };
    config.epochs = 3;
    let (spec, train, val) = tensors(&splits);
    // The whole game runs on windows (its output bounded to the inputs' range).
    let dir = tempfile::tempdir().unwrap();
    let (_, history) =
        Mathieu::train_tensors(&config, spec, train.shallow_clone(), val.shallow_clone(), &run(dir.path(), false))
            .unwrap();
    let disc_acc = values(&history, "train", "disc_acc");
    assert!(disc_acc.iter().all(|a| (0.0..=1.0).contains(a)), "{disc_acc:?}");
    assert!(values(&history, "train", "val_rec").iter().all(|r| r.is_finite() && *r < 16.0));
    // Without the generator's steps (and a lighter KL), the auto-encoder learns the windows.
    config.generator_steps = 0;
    config.kl_weight = 0.1;
    config.epochs = 6;
    config.lr = 1e-3;
    let dir = tempfile::tempdir().unwrap();
    let (model, history) = Mathieu::train_tensors(&config, spec, train, val, &run(dir.path(), false)).unwrap();
    let val_rec = values(&history, "train", "val_rec");
    assert!(val_rec.last().unwrap() < &(0.8 * val_rec[0]), "validation reconstruction falls: {val_rec:?}");
    // S, the mean of Z and one draw of Z; the draw differs from the mean.
    let x = with_context(&splits.test).images;
    let codes = encode_tensor(&model, &x, 64, Some(3)).unwrap();
    let n = splits.test.len();
    assert_eq!((codes.s.dim(), codes.z.dim()), ((n, 10), (n, 100)));
    let sample = codes.z_sample.expect("a Gaussian Z is sampled");
    assert!(sample.iter().zip(codes.z.iter()).any(|(a, b)| (a - b).abs() > 1e-3));
    assert_eq!(model.swap(&x, &x).size(), [n as i64, 20, 1, 1], "a swap gives back the window, not its context");
    assert!(reads_the_context(&model, &x));
    // Saved and reloaded, it encodes identically.
    let path = dir.path().join("model.safetensors");
    model.save(&path).unwrap();
    let back = MathieuModel::load(&path, Device::Cpu).unwrap();
    assert!(back.encode(&x).z.equal(&model.encode(&x).z));
    refuses_windows_without_context::<Mathieu>(&config, &splits);
}

#[test]
fn conv_configs_keep_their_files_and_mathieus_convs_refuse_series() {
    // Image presets write no `network` table (their files are as before).
    let mnist = TwoStep::preset("mnist", Budget::Full).unwrap();
    assert!(!toml::to_string(&mnist).unwrap().contains("network"));
    assert!(!toml::to_string(&Mathieu::preset("mnist", Budget::Full).unwrap()).unwrap().contains("network"));
    for text in [
        toml::to_string(&TwoStep::preset("returns", Budget::Full).unwrap()).unwrap(),
        toml::to_string(&Mathieu::preset("returns", Budget::Full).unwrap()).unwrap(),
    ] {
        assert!(text.contains("[network]") && text.contains("kind = \"cross_section\""), "{text}");
    }
    let returns = Mathieu::preset("returns", Budget::Full).unwrap();
    assert_eq!(toml::from_str::<tsd_core::MathieuConfig>(&toml::to_string(&returns).unwrap()).unwrap(), returns);
    let splits = series();
    let (spec, train, val) = tensors(&splits);
    let config = Mathieu::preset("mnist", Budget::Quick).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let e = Mathieu::train_tensors(&config, spec, train, val, &run(dir.path(), false)).unwrap_err();
    assert!(e.to_string().contains("use the returns preset's cross-section network"), "{e}");
}
