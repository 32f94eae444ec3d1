//! A strict reader of a `.npy` file's header, checked before the file is
//! handed to ndarray-npy: its dictionary must be the plain one NumPy writes
//! (`descr`, `fortran_order`, `shape`), and the data it describes must fit in
//! the file. So a header claiming 2^40 elements is refused without allocating
//! them, and a deeply nested header never reaches ndarray-npy's parser (found
//! by fuzzing: both took it into an allocation of hundreds of MB or a hang).

use crate::error::{MetricsError, Result};

/// What a `.npy` header describes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NpyHeader {
    /// The dtype string, e.g. `<f4`.
    pub descr: String,
    /// Column-major data.
    pub fortran_order: bool,
    /// The array's shape.
    pub shape: Vec<usize>,
    /// Where the data starts in the file.
    pub data_offset: usize,
}

fn bad(message: impl Into<String>) -> MetricsError {
    MetricsError::Npy { message: message.into() }
}

/// Reads and checks the header of the `.npy` file `bytes`: the magic, a plain
/// dictionary, and data of the described size present in the file.
pub fn check(bytes: &[u8]) -> Result<NpyHeader> {
    const MAGIC: &[u8] = b"\x93NUMPY";
    if !bytes.starts_with(MAGIC) {
        return Err(bad("not a .npy file (it does not start with the \\x93NUMPY magic); CSV codes go in .csv files"));
    }
    let truncated = || bad("truncated: the file ends inside its header or its data");
    let major = *bytes.get(6).ok_or_else(truncated)?;
    let (len, start): (usize, usize) = match major {
        1 => (
            u16::from_le_bytes([
                bytes.get(8).copied().ok_or_else(truncated)?,
                bytes.get(9).copied().ok_or_else(truncated)?,
            ]) as usize,
            10,
        ),
        2 | 3 => {
            let b = bytes.get(8..12).ok_or_else(truncated)?;
            (u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize, 12)
        }
        v => return Err(bad(format!("unknown .npy format version {v}"))),
    };
    let end = start.checked_add(len).ok_or_else(truncated)?;
    let text =
        std::str::from_utf8(bytes.get(start..end).ok_or_else(truncated)?).map_err(|_| bad("the header is not text"))?;
    let header = parse_dict(text.trim_end()).ok_or_else(|| bad(format!("malformed header {:?}", short(text))))?;
    let itemsize: usize = header
        .0
        .trim_start_matches(['<', '>', '|', '='])
        .trim_start_matches(|c: char| c.is_ascii_alphabetic())
        .parse()
        .map_err(|_| bad(format!("unsupported dtype {:?}", header.0)))?;
    let elements = header.2.iter().try_fold(1usize, |n, &d| n.checked_mul(d));
    let needed = elements.and_then(|n| n.checked_mul(itemsize));
    let available = bytes.len() - end;
    match needed {
        Some(needed) if needed <= available => {
            Ok(NpyHeader { descr: header.0, fortran_order: header.1, shape: header.2, data_offset: end })
        }
        _ => Err(bad(format!(
            "truncated: the header describes shape {:?} of {} ({} bytes), the file holds {available} bytes of data",
            header.2,
            header.0,
            needed.map_or("too many".to_string(), |n| n.to_string())
        ))),
    }
}

/// The first 80 characters of `text`.
fn short(text: &str) -> String {
    text.chars().take(80).collect()
}

/// `{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }` in any key
/// order, each key once; `None` for anything else.
fn parse_dict(text: &str) -> Option<(String, bool, Vec<usize>)> {
    let inner = text.strip_prefix('{')?.strip_suffix('}')?;
    let (mut descr, mut fortran, mut shape) = (None, None, None);
    let mut rest = inner.trim();
    while !rest.is_empty() {
        let (key, after) = quoted(rest)?;
        rest = after.trim_start().strip_prefix(':')?.trim_start();
        match key {
            "descr" if descr.is_none() => {
                let (value, after) = quoted(rest)?;
                descr = Some(value.to_string());
                rest = after;
            }
            "fortran_order" if fortran.is_none() => {
                let (value, after) = if let Some(a) = rest.strip_prefix("True") {
                    (true, a)
                } else {
                    (false, rest.strip_prefix("False")?)
                };
                fortran = Some(value);
                rest = after;
            }
            "shape" if shape.is_none() => {
                let close = rest.find(')')?;
                let dims = rest.strip_prefix('(')?[..close - 1].split(',').map(str::trim).filter(|d| !d.is_empty());
                shape = Some(dims.map(|d| d.parse().ok()).collect::<Option<Vec<usize>>>()?);
                rest = &rest[close + 1..];
            }
            _ => return None,
        }
        rest = rest.trim_start();
        rest = rest.strip_prefix(',').unwrap_or(rest).trim_start();
    }
    Some((descr?, fortran?, shape?))
}

/// A `'...'` string at the start of `text`, and what follows it.
fn quoted(text: &str) -> Option<(&str, &str)> {
    let body = text.strip_prefix('\'')?;
    let end = body.find('\'')?;
    Some((&body[..end], &body[end + 1..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn npy(header: &str, data: usize) -> Vec<u8> {
        let mut out = b"\x93NUMPY\x01\x00".to_vec();
        out.extend((header.len() as u16).to_le_bytes());
        out.extend(header.as_bytes());
        out.extend(vec![0u8; data]);
        out
    }

    #[test]
    fn a_plain_header_reads_and_its_data_must_fit() {
        let h = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }";
        let header = check(&npy(h, 24)).unwrap();
        assert_eq!((header.descr.as_str(), header.fortran_order, header.shape), ("<f4", false, vec![2, 3]));
        assert!(check(&npy(h, 23)).unwrap_err().to_string().contains("truncated"));
        let scalar = check(&npy("{'shape': (), 'descr': '|u1', 'fortran_order': True}", 1)).unwrap();
        assert_eq!(scalar.shape, Vec::<usize>::new());
        assert_eq!(check(&npy("{'descr': '<i8', 'fortran_order': False, 'shape': (3,), }", 24)).unwrap().shape, [3]);
    }

    #[test]
    fn huge_shapes_and_nested_headers_are_refused_without_work() {
        let huge = "{'descr': '<f8', 'fortran_order': False, 'shape': (1099511627776, 1099511627776), }";
        assert!(check(&npy(huge, 8)).unwrap_err().to_string().contains("too many"));
        let nested = format!("{{{}'descr': '<f4'}}", "{".repeat(64));
        assert!(check(&npy(&nested, 0)).unwrap_err().to_string().contains("malformed"));
        assert!(check(b"\x93NUMPY\x01").is_err());
        assert!(check(b"a,b\n1,2\n").unwrap_err().to_string().contains("not a .npy file"));
    }
}
