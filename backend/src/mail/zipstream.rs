//! Writing a zip archive front to back (no seeking), uncompressed, with ZIP64 records when the
//! archive outgrows the classic limits (65,535 entries or 4 GiB).

/// Files whose bytes are already known when they are added, so each local header carries its
/// CRC and size and no data descriptor is needed. Keeps 24 bytes per entry for the central
/// directory, which a zip can only have at its end.
#[derive(Debug, Default)]
pub struct ZipStream {
    offset: u64,
    entries: Vec<Entry>,
}

#[derive(Debug)]
struct Entry {
    /// Number and UID make the name (see [`entry_name`]); kept instead of the string.
    index: u32,
    uid: u32,
    crc: u32,
    size: u32,
    offset: u64,
    dos_time: u16,
    dos_date: u16,
}

/// The name of the `index`th (1-based) entry holding the message with `uid`: unique, sortable,
/// and nothing but digits, `-` and `.eml`.
pub fn entry_name(index: u32, uid: u32) -> String {
    format!("{index:06}-{uid}.eml")
}

const LOCAL: u32 = 0x0403_4b50;
const CENTRAL: u32 = 0x0201_4b50;
const END: u32 = 0x0605_4b50;
const END64: u32 = 0x0606_4b50;
const LOCATOR64: u32 = 0x0706_4b50;
/// Made by version 4.5 (ZIP64) on Unix, so the mode in the external attributes counts.
const MADE_BY: u16 = (3 << 8) | 45;

impl ZipStream {
    /// An empty archive.
    pub fn new() -> Self {
        Self::default()
    }

    /// The local header and bytes of the next entry, named by [`entry_name`] from its position
    /// and `uid`, dated `modified` (Unix seconds). Fails only for data over 4 GiB.
    pub fn entry(&mut self, uid: u32, data: &[u8], modified: i64) -> Result<Vec<u8>, String> {
        let size = u32::try_from(data.len()).map_err(|_| "a message over 4 GiB cannot be stored".to_string())?;
        let index = u32::try_from(self.entries.len() + 1).map_err(|_| "too many messages".to_string())?;
        let name = entry_name(index, uid);
        let (dos_time, dos_date) = dos_datetime(modified);
        let crc = crc32fast::hash(data);
        let mut out = Vec::with_capacity(30 + name.len() + data.len());
        put32(&mut out, LOCAL);
        put16(&mut out, 20); // version needed: 2.0 (the local header itself needs no ZIP64)
        put16(&mut out, 0); // flags: sizes known, ASCII names
        put16(&mut out, 0); // stored
        put16(&mut out, dos_time);
        put16(&mut out, dos_date);
        put32(&mut out, crc);
        put32(&mut out, size);
        put32(&mut out, size);
        put16(&mut out, name.len() as u16);
        put16(&mut out, 0);
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(data);
        self.entries.push(Entry { index, uid, crc, size, offset: self.offset, dos_time, dos_date });
        self.offset += out.len() as u64;
        Ok(out)
    }

    /// Entries so far.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether nothing was added.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Ends the archive: the central directory in chunks of at most `per_chunk` entries, the
    /// last chunk followed by the end records. Call once, after the last entry.
    pub fn finish(&self, per_chunk: usize) -> impl Iterator<Item = Vec<u8>> + '_ {
        let directory_start = self.offset;
        let directory_size: u64 = self.entries.iter().map(|e| 46 + entry_name(e.index, e.uid).len() as u64 + zip64_extra_len(e)).sum();
        let chunks = self.entries.chunks(per_chunk.max(1)).map(|chunk| {
            let mut out = Vec::new();
            for entry in chunk {
                central_record(&mut out, entry);
            }
            out
        });
        let end = std::iter::once_with(move || end_records(self.entries.len() as u64, directory_start, directory_size));
        chunks.chain(end)
    }
}

fn zip64_extra_len(entry: &Entry) -> u64 {
    if entry.offset >= u64::from(u32::MAX) { 12 } else { 0 }
}

fn central_record(out: &mut Vec<u8>, entry: &Entry) {
    let name = entry_name(entry.index, entry.uid);
    let zip64 = zip64_extra_len(entry) > 0;
    put32(out, CENTRAL);
    put16(out, MADE_BY);
    put16(out, if zip64 { 45 } else { 20 });
    put16(out, 0);
    put16(out, 0);
    put16(out, entry.dos_time);
    put16(out, entry.dos_date);
    put32(out, entry.crc);
    put32(out, entry.size);
    put32(out, entry.size);
    put16(out, name.len() as u16);
    put16(out, zip64_extra_len(entry) as u16);
    put16(out, 0); // comment
    put16(out, 0); // disk
    put16(out, 0); // internal attributes
    put32(out, 0o100_644 << 16); // a regular file, rw-r--r--
    put32(out, if zip64 { u32::MAX } else { entry.offset as u32 });
    out.extend_from_slice(name.as_bytes());
    if zip64 {
        put16(out, 0x0001);
        put16(out, 8);
        put64(out, entry.offset);
    }
}

fn end_records(count: u64, start: u64, size: u64) -> Vec<u8> {
    let mut out = Vec::new();
    let needs64 = count >= 0xffff || start >= u64::from(u32::MAX) || size >= u64::from(u32::MAX);
    if needs64 {
        let record_at = start + size;
        put32(&mut out, END64);
        put64(&mut out, 44);
        put16(&mut out, MADE_BY);
        put16(&mut out, 45);
        put32(&mut out, 0);
        put32(&mut out, 0);
        put64(&mut out, count);
        put64(&mut out, count);
        put64(&mut out, size);
        put64(&mut out, start);
        put32(&mut out, LOCATOR64);
        put32(&mut out, 0);
        put64(&mut out, record_at);
        put32(&mut out, 1);
    }
    put32(&mut out, END);
    put16(&mut out, 0);
    put16(&mut out, 0);
    put16(&mut out, count.min(0xffff) as u16);
    put16(&mut out, count.min(0xffff) as u16);
    put32(&mut out, size.min(u64::from(u32::MAX)) as u32);
    put32(&mut out, start.min(u64::from(u32::MAX)) as u32);
    put16(&mut out, 0);
    out
}

/// MS-DOS time and date (2-second steps, 1980 to 2107), which zip headers carry.
fn dos_datetime(unix: i64) -> (u16, u16) {
    let t = time::OffsetDateTime::from_unix_timestamp(unix).unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    if t.year() < 1980 {
        return (0, (1 << 5) | 1); // 1980-01-01 00:00
    }
    let year = (t.year() - 1980).min(127) as u16;
    let time = (u16::from(t.hour()) << 11) | (u16::from(t.minute()) << 5) | (u16::from(t.second()) / 2);
    let date = (year << 9) | (u16::from(u8::from(t.month())) << 5) | u16::from(t.day());
    (time, date)
}

fn put16(out: &mut Vec<u8>, value: u16) {
    out.extend_from_slice(&value.to_le_bytes());
}

fn put32(out: &mut Vec<u8>, value: u32) {
    out.extend_from_slice(&value.to_le_bytes());
}

fn put64(out: &mut Vec<u8>, value: u64) {
    out.extend_from_slice(&value.to_le_bytes());
}

#[cfg(test)]
mod tests {
    use super::{ZipStream, dos_datetime};

    fn u16_at(b: &[u8], at: usize) -> u16 {
        u16::from_le_bytes([b[at], b[at + 1]])
    }

    fn u32_at(b: &[u8], at: usize) -> u32 {
        u32::from_le_bytes(b[at..at + 4].try_into().unwrap())
    }

    #[test]
    fn a_small_archive_has_matching_local_and_central_records() {
        let mut zip = ZipStream::new();
        let mut out = zip.entry(7, b"hello", 1_764_930_000).unwrap();
        out.extend(zip.entry(9, b"", 0).unwrap());
        let directory_at = out.len();
        for chunk in zip.finish(1) {
            out.extend(chunk);
        }
        assert_eq!(u32_at(&out, 0), 0x0403_4b50);
        assert_eq!(u32_at(&out, 14), crc32fast::hash(b"hello"));
        assert_eq!(&out[30..30 + 12], b"000001-7.eml");
        // The end record names two entries and where the directory starts.
        let end = out.len() - 22;
        assert_eq!(u32_at(&out, end), 0x0605_4b50);
        assert_eq!(u16_at(&out, end + 10), 2);
        assert_eq!(u32_at(&out, end + 16) as usize, directory_at);
        assert_eq!(u32_at(&out, end + 12) as usize, end - directory_at);
        assert_eq!(u32_at(&out, directory_at), 0x0201_4b50);
        // The second entry's central record points at its local header.
        let second = directory_at + 46 + 12;
        assert_eq!(u32_at(&out, second), 0x0201_4b50);
        assert_eq!(u32_at(&out, second + 42) as usize, 30 + 12 + 5);
        assert_eq!(dos_datetime(0), (0, 33));
    }
}
