//! Where a program's console output goes and where its typed input comes
//! from. The defaults are the process's stdout, stderr and stdin; tests and
//! embedders substitute their own.

use std::io::{self, BufRead, Write};
use std::sync::{Arc, Mutex};

/// A cloneable in-memory writer, for capturing a program's output.
#[derive(Debug, Clone, Default)]
pub struct SharedBuffer(Arc<Mutex<Vec<u8>>>);

impl SharedBuffer {
    pub fn new() -> Self {
        Self::default()
    }

    /// Everything written so far, as text (invalid UTF-8 replaced).
    pub fn contents(&self) -> String {
        let guard = self.0.lock().unwrap_or_else(|e| e.into_inner());
        String::from_utf8_lossy(&guard).into_owned()
    }

    /// Empties the buffer.
    pub fn clear(&self) {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).clear();
    }
}

impl Write for SharedBuffer {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// The console streams of a VM.
pub struct Console {
    pub(crate) stdout: Box<dyn Write + Send>,
    pub(crate) stderr: Box<dyn Write + Send>,
    pub(crate) stdin: Box<dyn BufRead + Send>,
    /// Whether stderr is the process's own and a terminal (for progress bars).
    pub(crate) stderr_terminal: bool,
}

impl Default for Console {
    fn default() -> Self {
        use std::io::IsTerminal;
        Console {
            stdout: Box::new(io::stdout()),
            stderr: Box::new(io::stderr()),
            stdin: Box::new(io::BufReader::new(io::stdin())),
            stderr_terminal: io::stderr().is_terminal(),
        }
    }
}
