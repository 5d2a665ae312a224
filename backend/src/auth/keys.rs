//! The server's own secret key (signs tokens, derives CSRF tokens), generated once into the data dir.

use std::io::Write;
use std::path::Path;

use ring::rand::{SecureRandom, SystemRandom};

/// Reads `DATA_DIR/secret.key`, creating it (32 random bytes, mode 0600) on first start.
pub fn load_or_create_server_key(data_dir: &Path) -> std::io::Result<Vec<u8>> {
    let path = data_dir.join("secret.key");
    match std::fs::read(&path) {
        Ok(bytes) if bytes.len() >= 32 => return Ok(bytes),
        Ok(_) => return Err(std::io::Error::other(format!("{} is shorter than 32 bytes", path.display()))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(e),
    }
    let mut key = vec![0u8; 32];
    SystemRandom::new().fill(&mut key).map_err(|_| std::io::Error::other("no system randomness"))?;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(&path)?;
    file.write_all(&key)?;
    file.sync_all()?;
    Ok(key)
}
