//! OCR_CONF: images read with Tesseract (its TSV output gives a confidence
//! per word; words below the threshold are dropped).

use std::process::Command;

use super::state::DocState;
use crate::error::{ErrorKind, Result, RuntimeError};
use crate::sandbox::Sandbox;

fn ocr_error(message: impl Into<String>) -> RuntimeError {
    RuntimeError::new(ErrorKind::Ocr, message)
}

/// Reads every image still waiting for OCR. `threshold` is 0..=1 (a
/// fraction of Tesseract's 0-100 word confidence).
pub fn ocr_all(
    state: &mut DocState,
    threshold: f64,
    engine: &str,
    lang: &str,
    sandbox: &Sandbox,
) -> Result<()> {
    if !(0.0..=1.0).contains(&threshold) {
        return Err(RuntimeError::value(format!(
            "OCR threshold {threshold} is outside 0..=1"
        )));
    }
    for doc in state.docs.iter_mut().filter(|d| d.ocr_pending) {
        let file = sandbox.check_read(&doc.file)?;
        let tsv = run_tesseract(engine, &file.display().to_string(), lang)?;
        doc.text = words_above(&tsv, threshold * 100.0);
        doc.ocr_pending = false;
    }
    Ok(())
}

/// Runs `ENGINE FILE stdout -l LANG tsv`.
pub fn run_tesseract(engine: &str, file: &str, lang: &str) -> Result<String> {
    let output = Command::new(engine)
        .arg(file)
        .arg("stdout")
        .args(["-l", lang])
        .arg("tsv")
        .env("OMP_THREAD_LIMIT", "1")
        .output()
        .map_err(|e| {
            let install = "install Tesseract (Debian/Ubuntu: apt-get install tesseract-ocr tesseract-ocr-eng), or set `config:ocr.engine=/path/to/tesseract`";
            if e.kind() == std::io::ErrorKind::NotFound {
                ocr_error(format!("the OCR engine `{engine}` is not installed (not found on PATH)")).with_help(install)
            } else {
                ocr_error(format!("cannot run the OCR engine `{engine}`: {e}")).with_help(install)
            }
        })?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let first: Vec<&str> = stderr
            .lines()
            .filter(|l| !l.trim().is_empty())
            .take(3)
            .collect();
        return Err(ocr_error(format!(
            "`{engine}` failed on `{file}` ({}): {}",
            output.status,
            first.join(" / ")
        ))
        .with_help(format!("check that the image is readable and that language data `{lang}` is installed (tesseract --list-langs)")));
    }
    String::from_utf8(output.stdout)
        .map_err(|_| ocr_error(format!("`{engine}` printed output that is not UTF-8")))
}

/// The words of Tesseract TSV with confidence >= `min_conf` (0-100): one
/// line per recognised line, a blank line between paragraphs.
pub fn words_above(tsv: &str, min_conf: f64) -> String {
    let mut out = String::new();
    let mut last: Option<(u32, u32, u32, u32)> = None;
    for row in tsv.lines().skip(1) {
        let cols: Vec<&str> = row.split('\t').collect();
        if cols.len() < 12 || cols[0] != "5" {
            continue;
        }
        let num = |i: usize| cols[i].trim().parse::<u32>().unwrap_or(0);
        let conf: f64 = cols[10].trim().parse().unwrap_or(-1.0);
        let word = cols[11].trim();
        if word.is_empty() || conf < min_conf {
            continue;
        }
        let at = (num(1), num(2), num(3), num(4));
        match last {
            Some(prev) if (prev.0, prev.1, prev.2) != (at.0, at.1, at.2) => out.push_str("\n\n"),
            Some(prev) if prev.3 != at.3 => out.push('\n'),
            Some(_) => out.push(' '),
            None => {}
        }
        out.push_str(word);
        last = Some(at);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_confident_words_in_lines() {
        let tsv = "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext\n\
                   1\t1\t0\t0\t0\t0\t0\t0\t100\t100\t-1\t\n\
                   5\t1\t1\t1\t1\t1\t0\t0\t10\t10\t96.5\tHello\n\
                   5\t1\t1\t1\t1\t2\t0\t0\t10\t10\t30.0\tnoise\n\
                   5\t1\t1\t1\t1\t3\t0\t0\t10\t10\t91\tworld\n\
                   5\t1\t1\t1\t2\t1\t0\t0\t10\t10\t88\tsecond\n\
                   5\t1\t2\t1\t1\t1\t0\t0\t10\t10\t77\tblock\n";
        assert_eq!(words_above(tsv, 60.0), "Hello world\nsecond\n\nblock");
        assert_eq!(words_above(tsv, 90.0), "Hello world");
        assert_eq!(words_above(tsv, 0.0), "Hello noise world\nsecond\n\nblock");
    }

    #[test]
    fn a_missing_engine_is_an_error() {
        let e = run_tesseract("/nonexistent/tesseract-omexc", "x.png", "eng").unwrap_err();
        assert_eq!(e.kind, ErrorKind::Ocr);
        assert!(e.message.contains("is not installed"), "{}", e.message);
    }
}
