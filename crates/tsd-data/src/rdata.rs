//! R data files (`.rda` / `.RData`, written by R's `save`): the XDR
//! serialisation of numeric, integer, logical and character vectors, lists and
//! their attributes (`dim`, `names`, `dimnames`, …), raw, gzip- or
//! bzip2-compressed.
//!
//! This is the subset a data file needs (REFERENCE: R Internals, "Serialization
//! Formats"); closures, environments, complex numbers and the like are refused
//! with a [`DataError::BadContent`] naming the file. Every length is checked
//! against the bytes left before anything is allocated, so a damaged file is an
//! error, never a huge allocation or a panic.
//!
//! ```
//! use tsd_data::rdata::{self, RObject};
//!
//! let dir = tempfile::tempdir()?;
//! let path = dir.path().join("x.rda");
//! let m = RObject::real(vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0]).with_dim(&[2, 3]);
//! rdata::write(&path, &[("m", m)], rdata::Compression::Bzip2)?;
//! let objects = rdata::read(&path)?;
//! let (rows, cols, values) = objects[0].1.real_matrix().unwrap();
//! assert_eq!((objects[0].0.as_str(), rows, cols, values[2]), ("m", 2, 3, 3.0));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::io::{Read, Write};
use std::path::Path;

use crate::error::{DataError, Result};

/// Largest decompressed file accepted (a guard against decompression bombs).
const MAX_BYTES: u64 = 4 << 30;
/// Deepest nesting of lists accepted.
const MAX_DEPTH: usize = 64;

const NILSXP: u32 = 0;
const SYMSXP: u32 = 1;
const LISTSXP: u32 = 2;
const CHARSXP: u32 = 9;
const LGLSXP: u32 = 10;
const INTSXP: u32 = 13;
const REALSXP: u32 = 14;
const STRSXP: u32 = 16;
const VECSXP: u32 = 19;
const NILVALUE_SXP: u32 = 254;
const REFSXP: u32 = 255;
const HAS_ATTR: u32 = 1 << 9;
const HAS_TAG: u32 = 1 << 10;
/// R's `NA_integer_` (and logical NA).
const NA_INT: i32 = i32::MIN;

/// The value of an R object.
#[derive(Debug, Clone, PartialEq)]
pub enum RValue {
    /// `NULL`.
    Null,
    /// A logical vector (`None`: `NA`).
    Logical(Vec<Option<bool>>),
    /// An integer vector (`None`: `NA`).
    Integer(Vec<Option<i32>>),
    /// A double vector (`NA` is a NaN).
    Real(Vec<f64>),
    /// A character vector (`None`: `NA`).
    Character(Vec<Option<String>>),
    /// A generic vector (`list(...)`).
    List(Vec<RObject>),
    /// A symbol (a name).
    Symbol(String),
    /// A pairlist: `(tag, value)` cells.
    Pairlist(Vec<(Option<String>, RObject)>),
}

/// An R object: a value and its attributes.
#[derive(Debug, Clone, PartialEq)]
pub struct RObject {
    /// The value.
    pub value: RValue,
    /// Attributes in file order (`dim`, `names`, `dimnames`, `class`, …).
    pub attributes: Vec<(String, RObject)>,
}

impl RObject {
    /// An object without attributes.
    pub fn new(value: RValue) -> RObject {
        RObject { value, attributes: Vec::new() }
    }

    /// A double vector.
    pub fn real(values: Vec<f64>) -> RObject {
        RObject::new(RValue::Real(values))
    }

    /// A character vector without `NA`s.
    pub fn strings<S: Into<String>>(values: impl IntoIterator<Item = S>) -> RObject {
        RObject::new(RValue::Character(values.into_iter().map(|s| Some(s.into())).collect()))
    }

    /// A named list.
    pub fn named_list(items: Vec<(&str, RObject)>) -> RObject {
        let names = RObject::strings(items.iter().map(|(n, _)| n.to_string()));
        RObject::new(RValue::List(items.into_iter().map(|(_, v)| v).collect())).with_attr("names", names)
    }

    /// This object with attribute `name` set to `value`.
    pub fn with_attr(mut self, name: &str, value: RObject) -> RObject {
        self.attributes.retain(|(n, _)| n != name);
        self.attributes.push((name.to_string(), value));
        self
    }

    /// This object with a `dim` attribute (a matrix for two dims).
    pub fn with_dim(self, dims: &[usize]) -> RObject {
        let dims = dims.iter().map(|&d| i32::try_from(d).ok()).collect();
        self.with_attr("dim", RObject::new(RValue::Integer(dims)))
    }

    /// The attribute called `name`.
    pub fn attr(&self, name: &str) -> Option<&RObject> {
        self.attributes.iter().find(|(n, _)| n == name).map(|(_, v)| v)
    }

    /// The `dim` attribute, when every dim is a non-negative integer.
    pub fn dim(&self) -> Option<Vec<usize>> {
        match &self.attr("dim")?.value {
            RValue::Integer(d) => d.iter().map(|v| v.and_then(|v| usize::try_from(v).ok())).collect(),
            _ => None,
        }
    }

    /// The `names` attribute (`NA` names as empty strings).
    pub fn names(&self) -> Option<Vec<String>> {
        match &self.attr("names")?.value {
            RValue::Character(n) => Some(n.iter().map(|s| s.clone().unwrap_or_default()).collect()),
            _ => None,
        }
    }

    /// The element called `name` of a named list.
    pub fn get(&self, name: &str) -> Option<&RObject> {
        let RValue::List(items) = &self.value else { return None };
        let i = self.names()?.iter().position(|n| n == name)?;
        items.get(i)
    }

    /// Number of elements of a vector or list (0 for `NULL` and symbols).
    pub fn len(&self) -> usize {
        match &self.value {
            RValue::Null | RValue::Symbol(_) => 0,
            RValue::Logical(v) => v.len(),
            RValue::Integer(v) => v.len(),
            RValue::Real(v) => v.len(),
            RValue::Character(v) => v.len(),
            RValue::List(v) => v.len(),
            RValue::Pairlist(v) => v.len(),
        }
    }

    /// True when [`RObject::len`] is 0.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// What kind of object this is, in R's words (`"double matrix"`, `"list"`).
    pub fn describe(&self) -> String {
        let kind = match &self.value {
            RValue::Null => return "NULL".into(),
            RValue::Symbol(_) => return "symbol".into(),
            RValue::Pairlist(_) => return "pairlist".into(),
            RValue::Logical(_) => "logical",
            RValue::Integer(_) => "integer",
            RValue::Real(_) => "double",
            RValue::Character(_) => "character",
            RValue::List(_) => "list",
        };
        match self.dim().map(|d| d.len()) {
            Some(2) => format!("{kind} matrix"),
            Some(_) => format!("{kind} array"),
            None if kind == "list" => kind.into(),
            None => format!("{kind} vector"),
        }
    }

    /// `(rows, cols, values in column-major order)` of a double matrix.
    pub fn real_matrix(&self) -> Option<(usize, usize, &[f64])> {
        let RValue::Real(v) = &self.value else { return None };
        let [rows, cols] = self.dim()?[..] else { return None };
        (rows.checked_mul(cols) == Some(v.len())).then_some((rows, cols, v.as_slice()))
    }

    /// `(rows, cols, values in column-major order)` of a character matrix.
    pub fn character_matrix(&self) -> Option<(usize, usize, &[Option<String>])> {
        let RValue::Character(v) = &self.value else { return None };
        let [rows, cols] = self.dim()?[..] else { return None };
        (rows.checked_mul(cols) == Some(v.len())).then_some((rows, cols, v.as_slice()))
    }
}

/// How [`write`] compresses a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    /// Uncompressed.
    None,
    /// gzip (R's default for `save`).
    Gzip,
    /// bzip2 (`save(..., compress = "bzip2")`).
    Bzip2,
}

/// Reads the named objects of an R data file (raw, gzip or bzip2), in file order.
pub fn read(path: &Path) -> Result<Vec<(String, RObject)>> {
    let bytes = decompress(path)?;
    parse(&bytes, path)
}

/// Parses the (decompressed) bytes of an R data file; `path` is only named in errors.
pub fn parse(bytes: &[u8], path: &Path) -> Result<Vec<(String, RObject)>> {
    let magic = bytes.get(..5).unwrap_or(bytes);
    if magic != b"RDX2\n" && magic != b"RDX3\n" {
        let mut word = [0u8; 4];
        word[..magic.len().min(4)].copy_from_slice(&magic[..magic.len().min(4)]);
        return Err(DataError::BadMagic {
            path: path.to_path_buf(),
            found: u32::from_be_bytes(word),
            expected: "\"RDX2\\n\" or \"RDX3\\n\" (an R data file written by `save`)".into(),
        });
    }
    let mut r = Reader { bytes, pos: 5, path, refs: Vec::new() };
    let format = r.take(2)?;
    if format != b"X\n" {
        return Err(r.bad(format!(
            "serialisation format {:?} is not supported (only XDR, `X`: R's default for `save`)",
            String::from_utf8_lossy(format)
        )));
    }
    let version = r.u32()?;
    let _writer = r.u32()?;
    let _min_reader = r.u32()?;
    match version {
        2 => {}
        3 => {
            let n = r.length()?;
            r.take(n)?; // native encoding
        }
        v => return Err(r.bad(format!("serialisation version {v} is not supported (2 or 3)"))),
    }
    let top = r.item(0)?;
    if r.pos != bytes.len() {
        return Err(r.bad(format!("{} trailing bytes after the last object", bytes.len() - r.pos)));
    }
    match top.value {
        RValue::Pairlist(cells) => cells
            .into_iter()
            .map(|(tag, v)| tag.map(|t| (t, v)).ok_or_else(|| r.bad("an object without a name at the top level")))
            .collect(),
        RValue::Null => Ok(Vec::new()),
        _ => Err(r.bad(format!("the top level is a {}, not the pairlist `save` writes", top.describe()))),
    }
}

/// Writes `objects` as an R data file (format version 2, XDR) that R's `load`
/// reads: the reader's round trip, and how tests build files in the real format.
pub fn write(path: &Path, objects: &[(&str, RObject)], compression: Compression) -> Result<()> {
    let mut out = b"RDX2\nX\n".to_vec();
    for v in [2u32, 0x0004_0300, 0x0002_0300] {
        out.extend_from_slice(&v.to_be_bytes());
    }
    let cells = objects.iter().map(|(n, o)| (Some(n.to_string()), o.clone())).collect();
    encode(&RObject::new(RValue::Pairlist(cells)), &mut out);
    let io = |e| DataError::io(path, e);
    let file = std::fs::File::create(path).map_err(io)?;
    let mut file = std::io::BufWriter::new(file);
    match compression {
        Compression::None => file.write_all(&out).map_err(io)?,
        Compression::Gzip => {
            let mut z = flate2::write::GzEncoder::new(&mut file, flate2::Compression::default());
            z.write_all(&out).and_then(|_| z.finish().map(drop)).map_err(io)?;
        }
        Compression::Bzip2 => {
            let mut z = bzip2::write::BzEncoder::new(&mut file, bzip2::Compression::default());
            z.write_all(&out).and_then(|_| z.finish().map(drop)).map_err(io)?;
        }
    }
    file.flush().map_err(io)
}

/// The whole file, decompressed when it starts like gzip or bzip2.
fn decompress(path: &Path) -> Result<Vec<u8>> {
    let raw = std::fs::read(path).map_err(|e| DataError::io(path, e))?;
    let mut out = Vec::new();
    if raw.starts_with(&[0x1f, 0x8b]) {
        let read = flate2::read::MultiGzDecoder::new(raw.as_slice()).take(MAX_BYTES).read_to_end(&mut out);
        read.map_err(|e| DataError::CorruptGzip { path: path.to_path_buf(), message: e.to_string() })?;
    } else if raw.starts_with(b"BZh") {
        let read = bzip2::read::MultiBzDecoder::new(raw.as_slice()).take(MAX_BYTES).read_to_end(&mut out);
        read.map_err(|e| DataError::BadContent {
            path: path.to_path_buf(),
            message: format!("corrupt bzip2 stream: {e}"),
        })?;
    } else if raw.starts_with(&[0xfd, b'7', b'z', b'X', b'Z', 0]) {
        return Err(DataError::BadContent {
            path: path.to_path_buf(),
            message: "xz-compressed R data is not supported: re-save it with compress = \"bzip2\" or \"gzip\"".into(),
        });
    } else {
        return Ok(raw);
    }
    Ok(out)
}

struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
    path: &'a Path,
    /// Symbols read so far, for back-references.
    refs: Vec<String>,
}

impl<'a> Reader<'a> {
    fn bad(&self, message: impl Into<String>) -> DataError {
        DataError::BadContent {
            path: self.path.to_path_buf(),
            message: format!("at byte {}: {}", self.pos, message.into()),
        }
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        let end = self.pos.checked_add(n).filter(|&e| e <= self.bytes.len()).ok_or(DataError::Truncated {
            path: self.path.to_path_buf(),
            expected: self.pos as u64 + n as u64,
            actual: self.bytes.len() as u64,
        })?;
        let s = &self.bytes[self.pos..end];
        self.pos = end;
        Ok(s)
    }

    fn u32(&mut self) -> Result<u32> {
        Ok(u32::from_be_bytes(self.take(4)?.try_into().expect("4 bytes")))
    }

    fn i32(&mut self) -> Result<i32> {
        Ok(self.u32()? as i32)
    }

    /// A vector length (long lengths included); fails unless `width` bytes per
    /// element are left for it.
    fn length_of(&mut self, width: usize) -> Result<usize> {
        let n = match self.i32()? {
            -1 => {
                let (hi, lo) = (self.u32()? as u64, self.u32()? as u64);
                usize::try_from((hi << 32) | lo).map_err(|_| self.bad("a vector too long for this machine"))?
            }
            n if n < 0 => return Err(self.bad(format!("negative vector length {n}"))),
            n => n as usize,
        };
        let left = self.bytes.len() - self.pos;
        if n.saturating_mul(width) > left {
            return Err(DataError::Truncated {
                path: self.path.to_path_buf(),
                expected: (self.pos as u64).saturating_add((n as u64).saturating_mul(width as u64)),
                actual: self.bytes.len() as u64,
            });
        }
        Ok(n)
    }

    fn length(&mut self) -> Result<usize> {
        self.length_of(1)
    }

    fn item(&mut self, depth: usize) -> Result<RObject> {
        if depth > MAX_DEPTH {
            return Err(self.bad(format!("objects nested deeper than {MAX_DEPTH} levels")));
        }
        let at = self.pos;
        let flags = self.u32()?;
        let kind = flags & 0xFF;
        let has_attr = flags & HAS_ATTR != 0;
        let value = match kind {
            NILVALUE_SXP | NILSXP => return Ok(RObject::new(RValue::Null)),
            REFSXP => {
                let index = match flags >> 8 {
                    0 => self.u32()? as usize,
                    i => i as usize,
                };
                let name = index.checked_sub(1).and_then(|i| self.refs.get(i)).cloned();
                return name
                    .map(|n| RObject::new(RValue::Symbol(n)))
                    .ok_or_else(|| self.bad(format!("reference #{index} to an object not read before")));
            }
            SYMSXP => {
                let name = self.expect_string(depth)?.unwrap_or_default();
                self.refs.push(name.clone());
                return Ok(RObject::new(RValue::Symbol(name)));
            }
            LISTSXP => return self.pairlist(flags, depth),
            CHARSXP => return Ok(RObject::new(RValue::Character(vec![self.char_body()?]))),
            LGLSXP => {
                let n = self.length_of(4)?;
                RValue::Logical(
                    (0..n).map(|_| self.i32().map(|v| (v != NA_INT).then_some(v != 0))).collect::<Result<_>>()?,
                )
            }
            INTSXP => {
                let n = self.length_of(4)?;
                RValue::Integer((0..n).map(|_| self.i32().map(|v| (v != NA_INT).then_some(v))).collect::<Result<_>>()?)
            }
            REALSXP => {
                let n = self.length_of(8)?;
                let raw = self.take(n * 8)?;
                RValue::Real(raw.chunks_exact(8).map(|c| f64::from_be_bytes(c.try_into().expect("8 bytes"))).collect())
            }
            STRSXP => {
                let n = self.length_of(4)?;
                RValue::Character((0..n).map(|_| self.expect_string(depth)).collect::<Result<_>>()?)
            }
            VECSXP => {
                let n = self.length_of(4)?;
                RValue::List((0..n).map(|_| self.item(depth + 1)).collect::<Result<_>>()?)
            }
            other => {
                self.pos = at;
                return Err(self.bad(format!("R object type {other} ({}) is not supported", type_name(other))));
            }
        };
        let attributes = if has_attr { self.attributes(depth)? } else { Vec::new() };
        Ok(RObject { value, attributes })
    }

    /// The body of a CHARSXP whose flags were read (`None`: `NA_character_`).
    fn char_body(&mut self) -> Result<Option<String>> {
        let n = self.i32()?;
        if n == -1 {
            return Ok(None);
        }
        let n = usize::try_from(n).map_err(|_| self.bad(format!("negative string length {n}")))?;
        let raw = self.take(n)?;
        // Latin-1 and native strings are read byte for byte, invalid UTF-8 replaced.
        Ok(Some(String::from_utf8_lossy(raw).into_owned()))
    }

    /// An item that must be a string (CHARSXP).
    fn expect_string(&mut self, depth: usize) -> Result<Option<String>> {
        let at = self.pos;
        match self.item(depth + 1)?.value {
            RValue::Character(mut v) if v.len() == 1 => Ok(v.pop().flatten()),
            _ => {
                self.pos = at;
                Err(self.bad("expected a string (CHARSXP)"))
            }
        }
    }

    /// A pairlist whose first cell's flags were read, iterating along its CDRs.
    fn pairlist(&mut self, mut flags: u32, depth: usize) -> Result<RObject> {
        let mut cells = Vec::new();
        let mut attributes = Vec::new();
        loop {
            if flags & HAS_ATTR != 0 {
                let a = self.attributes(depth)?;
                if cells.is_empty() {
                    attributes = a;
                }
            }
            let tag = if flags & HAS_TAG != 0 {
                match self.item(depth + 1)?.value {
                    RValue::Symbol(s) => Some(s),
                    RValue::Character(mut v) if v.len() == 1 => v.pop().flatten(),
                    _ => return Err(self.bad("a pairlist tag that is not a name")),
                }
            } else {
                None
            };
            cells.push((tag, self.item(depth + 1)?));
            let at = self.pos;
            flags = self.u32()?;
            match flags & 0xFF {
                LISTSXP => continue,
                NILVALUE_SXP | NILSXP => break,
                _ => {
                    self.pos = at;
                    return Err(self.bad("a pairlist that does not end in NULL"));
                }
            }
        }
        Ok(RObject { value: RValue::Pairlist(cells), attributes })
    }

    fn attributes(&mut self, depth: usize) -> Result<Vec<(String, RObject)>> {
        let at = self.pos;
        match self.item(depth + 1)?.value {
            RValue::Pairlist(cells) => Ok(cells.into_iter().map(|(t, v)| (t.unwrap_or_default(), v)).collect()),
            RValue::Null => Ok(Vec::new()),
            _ => {
                self.pos = at;
                Err(self.bad("attributes that are not a pairlist"))
            }
        }
    }
}

/// R's name of a serialisation type code, for error messages.
fn type_name(code: u32) -> &'static str {
    match code {
        3 => "closure",
        4 | 241 | 242 | 253 => "environment",
        5 => "promise",
        6 => "language object",
        7 | 8 => "builtin function",
        15 => "complex vector",
        17 | 18 | 250 => "bytecode",
        20 => "expression vector",
        22 => "external pointer",
        23 => "weak reference",
        24 => "raw vector",
        25 => "S4 object",
        247..=249 => "namespace or package environment",
        _ => "unknown",
    }
}

fn encode(obj: &RObject, out: &mut Vec<u8>) {
    let put = |out: &mut Vec<u8>, v: u32| out.extend_from_slice(&v.to_be_bytes());
    let attr = if obj.attributes.is_empty() { 0 } else { HAS_ATTR };
    let put_len = |out: &mut Vec<u8>, n: usize| put(out, n as u32);
    match &obj.value {
        RValue::Null => return put(out, NILVALUE_SXP),
        RValue::Symbol(s) => {
            put(out, SYMSXP);
            encode_char(Some(s), out);
            return;
        }
        RValue::Pairlist(cells) => {
            for (i, (tag, v)) in cells.iter().enumerate() {
                let first_attr = if i == 0 { attr } else { 0 };
                put(out, LISTSXP | first_attr | if tag.is_some() { HAS_TAG } else { 0 });
                if first_attr != 0 {
                    encode_attributes(&obj.attributes, out);
                }
                if let Some(t) = tag {
                    encode(&RObject::new(RValue::Symbol(t.clone())), out);
                }
                encode(v, out);
            }
            return put(out, NILVALUE_SXP);
        }
        RValue::Logical(v) => {
            put(out, LGLSXP | attr);
            put_len(out, v.len());
            v.iter().for_each(|b| put(out, b.map_or(NA_INT, i32::from) as u32));
        }
        RValue::Integer(v) => {
            put(out, INTSXP | attr);
            put_len(out, v.len());
            v.iter().for_each(|i| put(out, i.unwrap_or(NA_INT) as u32));
        }
        RValue::Real(v) => {
            put(out, REALSXP | attr);
            put_len(out, v.len());
            v.iter().for_each(|x| out.extend_from_slice(&x.to_be_bytes()));
        }
        RValue::Character(v) => {
            put(out, STRSXP | attr);
            put_len(out, v.len());
            v.iter().for_each(|s| encode_char(s.as_deref(), out));
        }
        RValue::List(v) => {
            put(out, VECSXP | attr);
            put_len(out, v.len());
            v.iter().for_each(|o| encode(o, out));
        }
    }
    if attr != 0 {
        encode_attributes(&obj.attributes, out);
    }
}

fn encode_attributes(attributes: &[(String, RObject)], out: &mut Vec<u8>) {
    let cells = attributes.iter().map(|(n, v)| (Some(n.clone()), v.clone())).collect();
    encode(&RObject::new(RValue::Pairlist(cells)), out);
}

fn encode_char(s: Option<&str>, out: &mut Vec<u8>) {
    // CHARSXP with the ASCII / UTF-8 encoding flag R sets.
    let flag = if s.is_some_and(str::is_ascii) { 1 << 18 } else { 1 << 15 };
    out.extend_from_slice(&(CHARSXP | flag).to_be_bytes());
    match s {
        None => out.extend_from_slice(&(-1i32).to_be_bytes()),
        Some(s) => {
            out.extend_from_slice(&(s.len() as u32).to_be_bytes());
            out.extend_from_slice(s.as_bytes());
        }
    }
}
