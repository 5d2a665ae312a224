//! Captures this test binary's tracing output in memory, so tests can check what was logged.

use std::sync::{Arc, Mutex, OnceLock};

#[derive(Clone, Default)]
struct Buffer(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Buffer {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn buffer() -> &'static Buffer {
    static BUFFER: OnceLock<Buffer> = OnceLock::new();
    BUFFER.get_or_init(|| {
        let buffer = Buffer::default();
        let writer = buffer.clone();
        tracing_subscriber::fmt()
            .with_env_filter("letterbox=info")
            .with_ansi(false)
            .with_writer(move || writer.clone())
            .try_init()
            .expect("no other global tracing subscriber in this test binary");
        buffer
    })
}

/// Starts capturing (call before the code that logs); later calls are no-ops.
pub fn capture() {
    buffer();
}

/// The lines logged so far that contain `needle`.
pub fn lines_with(needle: &str) -> Vec<String> {
    let bytes = buffer().0.lock().unwrap_or_else(|e| e.into_inner()).clone();
    String::from_utf8_lossy(&bytes).lines().filter(|line| line.contains(needle)).map(str::to_string).collect()
}
