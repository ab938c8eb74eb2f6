//! A `Write` whose bytes go to an async reader in bounded chunks.
//!
//! The console sends a batch's PDF while it is being made: the renderer (blocking, on its own
//! thread) writes into a [`PipeWriter`], and the response body reads the other end. The
//! channel holds at most `depth` chunks of [`CHUNK`] bytes, so a slow download slows the
//! renderer down instead of piling pages up in memory, and a download that is cancelled
//! (the reader dropped) stops the renderer at its next write with `BrokenPipe`.

use bytes::Bytes;
use std::io::{self, Write};
use tokio::sync::mpsc;

/// How many bytes the writer collects before handing them on.
pub const CHUNK: usize = 64 * 1024;

/// What the reader receives: bytes, or the error that ends the body early (so the client
/// sees a broken download, never a truncated PDF that looks complete).
pub type Chunk = Result<Bytes, io::Error>;

/// A pipe holding at most `depth` chunks in flight.
pub fn pipe(depth: usize) -> (PipeWriter, mpsc::Receiver<Chunk>) {
    let (tx, rx) = mpsc::channel(depth.max(1));
    (
        PipeWriter {
            tx,
            buf: Vec::with_capacity(CHUNK),
        },
        rx,
    )
}

/// The writing end. Blocking: use it from a blocking thread, never from async code.
pub struct PipeWriter {
    tx: mpsc::Sender<Chunk>,
    buf: Vec<u8>,
}

impl PipeWriter {
    /// A handle that can end the body with an error after the writer itself has been given
    /// away (to a renderer that then failed).
    pub fn aborter(&self) -> Aborter {
        Aborter(self.tx.clone())
    }

    fn send(&mut self) -> io::Result<()> {
        let chunk = std::mem::replace(&mut self.buf, Vec::with_capacity(CHUNK));
        self.tx
            .blocking_send(Ok(Bytes::from(chunk)))
            .map_err(|_| io::Error::new(io::ErrorKind::BrokenPipe, "the reader went away"))
    }
}

impl Write for PipeWriter {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.buf.extend_from_slice(data);
        if self.buf.len() >= CHUNK {
            self.send()?;
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        self.send()
    }
}

/// Ends a pipe's body with an error.
pub struct Aborter(mpsc::Sender<Chunk>);

impl Aborter {
    /// Send `why` as the body's last item (ignored if the reader is gone already).
    pub async fn abort(self, why: String) {
        let _ = self.0.send(Err(io::Error::other(why))).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn drain(rx: &mut mpsc::Receiver<Chunk>) -> Vec<Chunk> {
        let mut out = Vec::new();
        while let Ok(item) = rx.try_recv() {
            out.push(item);
        }
        out
    }

    #[test]
    fn bytes_arrive_in_order_in_chunks_of_at_least_chunk_bytes() {
        let (mut w, mut rx) = pipe(8);
        let data: Vec<u8> = (0..(3 * CHUNK + 100)).map(|i| (i % 251) as u8).collect();
        for piece in data.chunks(1000) {
            w.write_all(piece).unwrap();
        }
        // Nothing is held back once flushed.
        w.flush().unwrap();
        drop(w);
        let chunks: Vec<Bytes> = drain(&mut rx).into_iter().map(Result::unwrap).collect();
        // 66 writes fill a chunk; what is left at the end goes with the flush.
        let sizes: Vec<usize> = chunks.iter().map(Bytes::len).collect();
        assert_eq!(sizes, [66_000, 66_000, data.len() - 132_000]);
        assert_eq!(chunks.concat(), data);
        // The writer is gone: the reader sees the end.
        assert!(matches!(
            rx.try_recv(),
            Err(mpsc::error::TryRecvError::Disconnected)
        ));
    }

    #[test]
    fn a_reader_that_goes_away_stops_the_writer() {
        let (mut w, rx) = pipe(1);
        drop(rx);
        let e = w.write_all(&vec![0; CHUNK]).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::BrokenPipe);
    }

    #[test]
    fn a_full_pipe_holds_at_most_depth_chunks() {
        let (mut w, mut rx) = pipe(2);
        let (done_tx, done_rx) = std::sync::mpsc::channel();
        let writer = std::thread::spawn(move || {
            for i in 0..5u8 {
                w.write_all(&vec![i; CHUNK]).unwrap();
                done_tx.send(i).unwrap();
            }
        });
        // Two chunks fit; the third write waits for the reader, so no more than two
        // writes can be reported before anything is read.
        for _ in 0..2 {
            done_rx.recv().unwrap();
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
        assert_eq!(
            done_rx.try_iter().count(),
            0,
            "a write got past a full pipe"
        );
        let mut got = 0;
        while let Some(chunk) = rx.blocking_recv() {
            got += chunk.unwrap().len();
        }
        writer.join().unwrap();
        assert_eq!(got, 5 * CHUNK);
    }
}
