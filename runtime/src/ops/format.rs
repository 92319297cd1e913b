//! `STRING_FORMAT`, `FORMAT_TEXT_TABLE`, `FORMAT_TO_IMAGE`, `FORMAT_TO_AUDIO`.

use std::fmt::Write as _;

use omex_mep::subtype::ImageRange;

use crate::error::{Result, RuntimeError};
use crate::tensor::{DType, Tensor, shape_str};
use crate::value::{Image, Value, type_mismatch, want_f64_list, want_int, want_int_list};

/// `STRING_FORMAT`: each `{}` takes the display form of the next value;
/// `{{` and `}}` are literal braces.
pub fn string_format(format: &str, values: &[&Value]) -> Result<String> {
    let mut out = String::with_capacity(format.len() + 16 * values.len());
    let mut next = values.iter();
    let mut chars = format.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '{' if chars.peek() == Some(&'{') => {
                chars.next();
                out.push('{');
            }
            '{' if chars.peek() == Some(&'}') => {
                chars.next();
                let v = next.next().ok_or_else(|| {
                    RuntimeError::value("STRING_FORMAT: more placeholders than values")
                })?;
                let _ = write!(out, "{v}");
            }
            '}' if chars.peek() == Some(&'}') => {
                chars.next();
                out.push('}');
            }
            c => out.push(c),
        }
    }
    Ok(out)
}

/// `FORMAT_TEXT_TABLE labels indices values`: one row per index, the label
/// left-aligned and the value with 4 decimals, right-aligned.
pub fn text_table(labels: &Value, indices: &Value, values: &Value) -> Result<String> {
    let what = "FORMAT_TEXT_TABLE";
    let idx = want_int_list(indices, &format!("{what} indices"))?;
    let vals = want_f64_list(values, &format!("{what} values"))?;
    if idx.len() != vals.len() {
        return Err(RuntimeError::shape(format!(
            "{what}: {} indices but {} values",
            idx.len(),
            vals.len()
        )));
    }
    let mut rows = Vec::with_capacity(idx.len());
    for (&i, &v) in idx.iter().zip(&vals) {
        let label = match labels {
            Value::List(l) => {
                let item = usize::try_from(i)
                    .ok()
                    .and_then(|u| l.get(u))
                    .ok_or_else(|| {
                        RuntimeError::index(format!(
                            "{what}: index {i} has no label (there are {} labels)",
                            l.len()
                        ))
                    })?;
                item.to_string()
            }
            Value::Dict(d) => d.get(&i.to_string()).map(Value::to_string).ok_or_else(|| {
                RuntimeError::index(format!("{what}: the labels dict has no key \"{i}\""))
            })?,
            other => {
                return Err(type_mismatch(
                    &format!("{what} labels"),
                    "a list or dict of labels",
                    other,
                ));
            }
        };
        rows.push((label, format!("{v:.4}")));
    }
    let lw = rows
        .iter()
        .map(|(l, _)| l.chars().count())
        .max()
        .unwrap_or(0);
    let vw = rows.iter().map(|(_, v)| v.len()).max().unwrap_or(0);
    let mut out = String::new();
    for (n, (label, value)) in rows.iter().enumerate() {
        if n > 0 {
            out.push('\n');
        }
        let _ = write!(out, "{label:<lw$}  {value:>vw$}");
    }
    Ok(out)
}

/// `FORMAT_TO_IMAGE`: a `[H, W]`, `[C, H, W]` or `[1, C, H, W]` tensor
/// (C = 1, 3 or 4) mapped from `range` onto 0..=255, rounded and clamped,
/// as a `u8` tensor `[H, W, C]` (channels interleaved, as image files store them).
pub fn to_image(input: &Value, range: ImageRange) -> Result<Tensor> {
    let what = "FORMAT_TO_IMAGE";
    let Value::Tensor(t) = input else {
        return Err(type_mismatch(what, "a tensor", input));
    };
    if t.dtype() == DType::Bool {
        return Err(type_mismatch(what, "a numeric tensor", input));
    }
    let (c, h, w) = match *t.shape() {
        [h, w] => (1, h, w),
        [c, h, w] => (c, h, w),
        [1, c, h, w] => (c, h, w),
        _ => {
            return Err(RuntimeError::shape(format!(
                "{what}: expected a tensor [H, W], [C, H, W] or [1, C, H, W], found {}",
                t.describe()
            )));
        }
    };
    if !matches!(c, 1 | 3 | 4) {
        return Err(RuntimeError::shape(format!(
            "{what}: expected 1, 3 or 4 channels, found {c} (shape {})",
            shape_str(t.shape())
        )));
    }
    if h == 0 || w == 0 || u32::try_from(h).is_err() || u32::try_from(w).is_err() {
        return Err(RuntimeError::shape(format!(
            "{what}: the image size {h}x{w} is not valid"
        )));
    }
    let data = t.to_f32();
    let data = data.as_standard_layout();
    let flat = data.as_slice().unwrap_or(&[]);
    let map = |x: f32| -> u8 {
        let v = match range {
            ImageRange::Unit => x * 255.0,
            ImageRange::Signed => (x + 1.0) * 127.5,
            ImageRange::Byte => x,
        };
        if v.is_nan() {
            0
        } else {
            v.round().clamp(0.0, 255.0) as u8
        }
    };
    // Channels-first in, channels interleaved out.
    let plane = h * w;
    let mut pixels = vec![0u8; plane * c];
    for ch in 0..c {
        for p in 0..plane {
            pixels[p * c + ch] = map(flat[ch * plane + p]);
        }
    }
    Tensor::from_vec(&[h, w, c], pixels)
}

/// The image in a `u8` tensor `[H, W]` or `[H, W, C]` (C = 1, 3 or 4).
pub fn tensor_image(t: &Tensor) -> Result<Image> {
    let what = "SINK_FILE png";
    if t.dtype() != DType::U8 {
        return Err(RuntimeError::type_error(format!(
            "{what}: expected an 8-bit image (a u8 tensor [H, W] or [H, W, C]), found {}",
            t.describe()
        ))
        .with_help("convert the tensor with FORMAT_TO_IMAGE first"));
    }
    let (h, w, c) = match *t.shape() {
        [h, w] => (h, w, 1),
        [h, w, c] if matches!(c, 1 | 3 | 4) => (h, w, c),
        _ => {
            return Err(RuntimeError::shape(format!(
                "{what}: expected a u8 tensor [H, W] or [H, W, C] with C = 1, 3 or 4, found {}",
                t.describe()
            )));
        }
    };
    let (Ok(width), Ok(height)) = (u32::try_from(w), u32::try_from(h)) else {
        return Err(RuntimeError::shape(format!(
            "{what}: the image is too large"
        )));
    };
    let pixels = match t {
        Tensor::U8(a) => a.iter().copied().collect(),
        _ => Vec::new(),
    };
    Ok(Image {
        width,
        height,
        channels: c as u8,
        pixels,
    })
}

/// `FORMAT_TO_AUDIO`: samples in [-1, 1] at `rate` Hz as a 16-bit PCM WAV
/// file. A 1-d tensor is mono; a 2-d tensor `[C, N]` has C channels (channel
/// axis first); leading axes of size 1 are ignored.
pub fn to_audio(input: &Value, rate: &Value) -> Result<Vec<u8>> {
    let what = "FORMAT_TO_AUDIO";
    let Value::Tensor(t) = input else {
        return Err(type_mismatch(what, "a tensor of samples", input));
    };
    if !t.dtype().is_float() {
        return Err(type_mismatch(
            what,
            "a float tensor of samples in [-1, 1]",
            input,
        ));
    }
    let rate = want_int(rate, &format!("{what} rate"))?;
    let sample_rate = u32::try_from(rate)
        .ok()
        .filter(|r| *r > 0)
        .ok_or_else(|| RuntimeError::value(format!("{what}: invalid sample rate {rate}")))?;
    let mut dims: Vec<usize> = t.shape().to_vec();
    while dims.len() > 1 && dims[0] == 1 {
        dims.remove(0);
    }
    let (channels, frames) = match *dims.as_slice() {
        [] => (1, 1),
        [n] => (1, n),
        [c, n] if (1..=16).contains(&c) => (c, n),
        _ => {
            return Err(RuntimeError::shape(format!(
                "{what}: expected samples [N] or [channels, N] (up to 16 channels), found {}",
                t.describe()
            )));
        }
    };
    let data = t.to_f32();
    let data = data.as_standard_layout();
    let flat = data.as_slice().unwrap_or(&[]);
    let to_i16 = |x: f32| -> i16 {
        let x = if x.is_nan() { 0.0 } else { x.clamp(-1.0, 1.0) };
        (x * 32767.0).round() as i16
    };
    // Channels-first in, interleaved frames out.
    let mut samples = Vec::with_capacity(channels * frames);
    for f in 0..frames {
        for c in 0..channels {
            samples.push(to_i16(flat.get(c * frames + f).copied().unwrap_or(0.0)));
        }
    }
    encode_wav(sample_rate, channels as u16, &samples)
}

fn encode_wav(rate: u32, channels: u16, samples: &[i16]) -> Result<Vec<u8>> {
    let spec = hound::WavSpec {
        channels,
        sample_rate: rate,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut cursor = std::io::Cursor::new(Vec::with_capacity(44 + 2 * samples.len()));
    let fail =
        |e: hound::Error| RuntimeError::value(format!("FORMAT_TO_AUDIO: cannot encode WAV: {e}"));
    {
        let mut writer = hound::WavWriter::new(&mut cursor, spec).map_err(fail)?;
        let mut w = writer.get_i16_writer(samples.len() as u32);
        for &s in samples {
            w.write_sample(s);
        }
        w.flush().map_err(fail)?;
        writer.finalize().map_err(fail)?;
    }
    Ok(cursor.into_inner())
}

/// Encodes an image as PNG.
pub fn encode_png(img: &Image) -> Result<Vec<u8>> {
    use image::ImageEncoder;
    let color = match img.channels {
        1 => image::ExtendedColorType::L8,
        3 => image::ExtendedColorType::Rgb8,
        _ => image::ExtendedColorType::Rgba8,
    };
    let mut out = Vec::new();
    image::codecs::png::PngEncoder::new(&mut out)
        .write_image(&img.pixels, img.width, img.height, color)
        .map_err(|e| RuntimeError::value(format!("cannot encode PNG: {e}")))?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        let s = string_format("{} + {{x}} = {}", &[&Value::Int(1), &Value::str("y")]).unwrap();
        assert_eq!(s, "1 + {x} = y");
    }

    #[test]
    fn table() {
        let labels = Value::list(vec![
            Value::str("cat"),
            Value::str("dog"),
            Value::str("bird"),
        ]);
        let idx = Value::list(vec![Value::Int(2), Value::Int(0)]);
        let vals = Value::list(vec![Value::Float(0.75), Value::Float(0.125)]);
        assert_eq!(
            text_table(&labels, &idx, &vals).unwrap(),
            "bird  0.7500\ncat   0.1250"
        );
    }
}
