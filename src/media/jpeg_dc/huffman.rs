//! Huffman tables, the bit reader and the DC-only MCU decoder.
//!
//! Only the DC coefficient of each block is kept: per block the DC difference is decoded, then
//! the AC symbols are skipped without storing anything. One lookup in a [`LOOKAHEAD`]-bit table
//! skips a whole AC symbol, code and value bits (the value bits need not fit the lookahead, as
//! they are not read); longer codes take a slow path that still peeks all 16 code bits at once.
//!
//! The bit reader works on entropy data whose byte stuffing (`0xFF 0x00`) was already removed
//! (see `super::scan`), so a bit position is a plain index into that buffer and any bit can be a
//! starting point, which the speculative decoder needs.

/// Bits looked up at once. 10 bits: 1024 four-byte entries per table stay in L1 and cover the
/// codes of all but the rarest AC symbols together with their value bits.
pub(super) const LOOKAHEAD: u32 = 10;

/// Why a Huffman table segment is refused.
pub(super) type TableError = &'static str;

/// A canonical Huffman table as libjpeg builds it, with a lookahead table.
///
/// `fast` entries (0 = not in the table: long code or invalid):
/// - bits 0..5: bits to consume (for AC the code and its value bits, for DC the code only);
/// - bits 8..16: for AC, how far the coefficient index advances (0 = end of block);
/// - bits 16..21: for DC, the number of value bits that follow the code;
/// - bit 24: the entry is valid.
#[derive(Clone)]
pub(super) struct Table {
    fast: Box<[u32; 1 << LOOKAHEAD]>,
    /// AC tables: up to two symbols per lookup of [`PAIR_BITS`] bits (see [`Table::pair_entry`]).
    pairs: Box<[u32; 1 << PAIR_BITS]>,
    /// Largest code of each length 1..=16 (index = length), or -1 when there is none.
    maxcode: [i32; 18],
    /// `symbols[valoffset[len] + code]` is the symbol of a `len`-bit code.
    valoffset: [i32; 18],
    symbols: Vec<u8>,
}

const VALID: u32 = 1 << 24;

/// Bits looked up at once for AC symbol pairs: 4096 entries (16 KB) per table, still in L1.
pub(super) const PAIR_BITS: u32 = 12;
/// Pair entry flags.
const PAIR_VALID: u32 = 1 << 31;
const PAIR_EOB: u32 = 1 << 28;

impl Table {
    /// Builds a table from a DHT segment's 16 counts and its symbols, with libjpeg's checks
    /// (`jpeg_make_d_derived_tbl`): at most 256 symbols, no over-full code space (the all-ones
    /// code of a length is reserved), DC symbols at most 15.
    pub(super) fn new(counts: &[u8; 16], symbols: &[u8], is_dc: bool) -> Result<Self, TableError> {
        let total: usize = counts.iter().map(|&c| usize::from(c)).sum();
        if total > 256 {
            return Err("a Huffman table has more than 256 codes");
        }
        if symbols.len() != total {
            return Err("a Huffman table's symbol count does not match its code counts");
        }
        if is_dc && symbols.iter().any(|&s| s > 15) {
            return Err("a DC Huffman table has a symbol above 15");
        }
        let mut maxcode = [-1i32; 18];
        let mut valoffset = [0i32; 18];
        // (code, length) of every symbol in order.
        let mut codes = Vec::with_capacity(total);
        let mut code: u32 = 0;
        let mut k = 0usize;
        for len in 1..=16u32 {
            let n = usize::from(counts[len as usize - 1]);
            if n > 0 {
                valoffset[len as usize] = k as i32 - code as i32;
                for _ in 0..n {
                    codes.push((code, len));
                    code += 1;
                }
                k += n;
                maxcode[len as usize] = code as i32 - 1;
            }
            if code >= 1 << len {
                return Err("a Huffman table is over-full (its codes do not fit their lengths)");
            }
            code <<= 1;
        }
        maxcode[17] = i32::MAX; // sentinel, never reached: lengths stop at 16
        let mut fast = Box::new([0u32; 1 << LOOKAHEAD]);
        for (&(code, len), &sym) in codes.iter().zip(symbols) {
            if len > LOOKAHEAD {
                continue;
            }
            let size = u32::from(sym & 15);
            let run = u32::from(sym >> 4);
            let advance = if is_dc {
                0
            } else if size == 0 {
                // libjpeg: a zero size with run 15 is ZRL (16 zeros), any other is end of block.
                if run == 15 {
                    16
                } else {
                    0
                }
            } else {
                run + 1
            };
            // AC value bits are only skipped, so they need not fit the lookahead: the entry
            // consumes code and value bits at once (at most 10 + 15 bits, and the decoder keeps
            // 32 bits buffered). DC value bits are read by the caller, which needs them.
            let (consume, pending) = if is_dc { (len, size) } else { (len + size, 0) };
            let entry = VALID | consume | advance << 8 | pending << 16;
            let shift = LOOKAHEAD - len;
            let first = (code << shift) as usize;
            for slot in &mut fast[first..first + (1 << shift)] {
                *slot = entry;
            }
        }
        let mut table = Table {
            fast,
            pairs: Box::new([0u32; 1 << PAIR_BITS]),
            maxcode,
            valoffset,
            symbols: symbols.to_vec(),
        };
        if !is_dc {
            let mut pairs = Box::new([0u32; 1 << PAIR_BITS]);
            for (p, slot) in pairs.iter_mut().enumerate() {
                *slot = table.pair_entry(p as u32);
            }
            table.pairs = pairs;
        }
        Ok(table)
    }

    /// The symbol whose code starts the `avail`-bit pattern `bits`, with the code's length.
    fn first_symbol(&self, bits: u32, avail: u32) -> Option<(u8, u32)> {
        (1..=avail.min(16)).find_map(|len| {
            let code = (bits >> (avail - len)) as i32;
            if code <= self.maxcode[len as usize] {
                let i = usize::try_from(self.valoffset[len as usize] + code).ok()?;
                Some((*self.symbols.get(i)?, len))
            } else {
                None
            }
        })
    }

    /// The pair entry for the [`PAIR_BITS`]-bit pattern `p`: the first AC symbol and, when its
    /// code and value bits leave room for the next symbol's code, the second one too. Fields:
    /// - bits 0..5 / 5..10: bits consumed and coefficient index advance of the first symbol;
    /// - bits 10..16 / 16..22: the same for both symbols (or the first alone);
    /// - bits 22..28: `guard`, both may be taken when `k + guard <= 64` (so that the block
    ///   cannot end between them: the second would then belong to the next block);
    /// - [`PAIR_EOB`]: the block ends with the symbols taken; [`PAIR_VALID`]: 0 means the first
    ///   code is longer than the pattern (or invalid), take the slow path.
    fn pair_entry(&self, p: u32) -> u32 {
        let advance = |sym: u8| match (sym & 15, sym >> 4) {
            (0, 15) => 16u32,
            (0, _) => 0,
            (_, run) => u32::from(run) + 1,
        };
        let Some((sym1, l1)) = self.first_symbol(p, PAIR_BITS) else {
            return 0;
        };
        let (c1, a1) = (l1 + u32::from(sym1 & 15), advance(sym1));
        let single = PAIR_VALID | c1 | a1 << 5;
        if a1 == 0 {
            return single | c1 << 10 | PAIR_EOB;
        }
        let rest = PAIR_BITS.saturating_sub(c1);
        let second = if rest > 0 {
            self.first_symbol(p & ((1 << rest) - 1), rest)
        } else {
            None
        };
        match second {
            None => single | c1 << 10 | a1 << 16 | a1 << 22,
            Some((sym2, l2)) => {
                let a2 = advance(sym2);
                if a2 == 0 {
                    single | (c1 + l2) << 10 | a1 << 16 | (a1 + 1) << 22 | PAIR_EOB
                } else {
                    let c2 = l2 + u32::from(sym2 & 15);
                    single | (c1 + c2) << 10 | (a1 + a2) << 16 | (a1 + a2) << 22
                }
            }
        }
    }

    /// Decodes a code longer than the lookahead from the 16 bits at the reader's position.
    /// Returns (symbol, code length), or None for a code that is not in the table.
    #[inline(never)]
    fn slow(&self, peek16: u32) -> Option<(u8, u32)> {
        for len in 1..=16u32 {
            let code = (peek16 >> (16 - len)) as i32;
            if code <= self.maxcode[len as usize] {
                let i = self.valoffset[len as usize] + code;
                return usize::try_from(i)
                    .ok()
                    .and_then(|i| self.symbols.get(i))
                    .map(|&s| (s, len));
            }
        }
        None
    }
}

/// MSB-first bit reader over destuffed entropy data. Reading past the end yields zero bits; the
/// callers check [`BitReader::pos`] against the data length.
pub(super) struct BitReader<'a> {
    data: &'a [u8],
    /// Next byte to load.
    next: usize,
    /// Bits, most significant first; the low `64 - n` bits are zero or already the right data.
    buf: u64,
    /// Valid bits in `buf`.
    n: u32,
}

impl<'a> BitReader<'a> {
    /// A reader at bit `pos` of `data`.
    pub(super) fn new(data: &'a [u8], pos: u64) -> Self {
        let byte = usize::try_from(pos / 8).unwrap_or(usize::MAX);
        let mut r = BitReader {
            data,
            next: byte.min(data.len().saturating_add(8)),
            buf: 0,
            n: 0,
        };
        r.refill();
        r.consume((pos % 8) as u32);
        r
    }

    /// Bit position of the next unread bit.
    #[inline]
    pub(super) fn pos(&self) -> u64 {
        self.next as u64 * 8 - u64::from(self.n)
    }

    /// Tops the buffer up to at least 57 bits.
    #[inline]
    fn refill(&mut self) {
        if let Some(word) = self
            .data
            .get(self.next..)
            .and_then(|rest| rest.first_chunk::<8>())
        {
            self.buf |= u64::from_be_bytes(*word) >> self.n;
            let take = (63 - self.n) / 8;
            self.next += take as usize;
            self.n += take * 8;
        } else {
            self.refill_tail();
        }
    }

    #[cold]
    fn refill_tail(&mut self) {
        while self.n <= 56 {
            let byte = self.data.get(self.next).copied().unwrap_or(0);
            self.buf |= u64::from(byte) << (56 - self.n);
            self.next += 1;
            self.n += 8;
        }
    }

    #[inline]
    fn consume(&mut self, bits: u32) {
        self.buf <<= bits;
        self.n -= bits;
    }

    /// Reads one bit (a DC refinement bit of a progressive scan).
    #[inline]
    pub(super) fn bit(&mut self) -> u32 {
        if self.n == 0 {
            self.refill();
        }
        self.take(1)
    }

    /// Reads `bits` (0..=16) bits as an unsigned number.
    #[inline]
    fn take(&mut self, bits: u32) -> u32 {
        let v = (self.buf >> 32 >> (32 - bits)) as u32;
        self.consume(bits);
        v
    }
}

/// Why an MCU could not be decoded, with the bit position where it happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Fault {
    /// A bit pattern that is no code of the table.
    BadCode(u64),
    /// AC coefficients running past index 63.
    Overrun(u64),
}

impl Fault {
    /// Bit position of the fault.
    pub(super) fn pos(self) -> u64 {
        match self {
            Fault::BadCode(p) | Fault::Overrun(p) => p,
        }
    }

    /// A message for `MediaError::Corrupt`.
    pub(super) fn describe(self) -> String {
        match self {
            Fault::BadCode(p) => {
                format!("invalid Huffman code in the image data (entropy bit {p})")
            }
            Fault::Overrun(p) => {
                format!("a block's AC coefficients run past index 63 (entropy bit {p})")
            }
        }
    }
}

/// The tables of one block position in the MCU.
#[derive(Clone, Copy)]
pub(super) struct BlockTables<'t> {
    /// Component index (0..3) whose DC predictor the block uses.
    pub comp: usize,
    pub dc: &'t Table,
    pub ac: &'t Table,
}

/// Sign-extends a `size`-bit JPEG value (F.12 EXTEND).
#[inline]
fn extend(v: u32, size: u32) -> i32 {
    if size == 0 {
        0
    } else if v < 1 << (size - 1) {
        v as i32 - (1 << size) + 1
    } else {
        v as i32
    }
}

/// Decodes one DC difference (the Huffman-coded size, then that many value bits, F.2.2.1).
#[inline]
pub(super) fn decode_dc(r: &mut BitReader<'_>, table: &Table) -> Result<i32, Fault> {
    r.refill();
    let e = table.fast[(r.buf >> (64 - LOOKAHEAD)) as usize];
    let size = if e & VALID != 0 {
        r.consume(e & 31);
        (e >> 16) & 31
    } else {
        let at = r.pos();
        let (sym, len) = table.slow((r.buf >> 48) as u32).ok_or(Fault::BadCode(at))?;
        r.consume(len);
        u32::from(sym & 15)
    };
    Ok(extend(r.take(size), size))
}

/// Decodes one MCU: for each block the DC difference is added to its component's predictor and
/// the predictor stored (as libjpeg stores it, truncated to a 16-bit coefficient) in `out`; the
/// AC symbols are skipped. On a fault the reader is left somewhere inside the MCU.
#[inline]
pub(super) fn decode_mcu(
    r: &mut BitReader<'_>,
    blocks: &[BlockTables<'_>],
    preds: &mut [i32; 3],
    out: &mut [i16],
) -> Result<(), Fault> {
    for (b, slot) in blocks.iter().zip(out.iter_mut()) {
        let diff = decode_dc(r, b.dc)?;
        let p = &mut preds[b.comp];
        *p = p.wrapping_add(diff);
        *slot = *p as i16;

        // AC: skip symbols (two per lookup when they fit) until end of block or index 63.
        let mut k: u32 = 1;
        while k < 64 {
            if r.n < 32 {
                r.refill();
            }
            let e = b.ac.pairs[(r.buf >> (64 - PAIR_BITS)) as usize];
            if e & PAIR_VALID != 0 {
                if k + ((e >> 22) & 63) <= 64 {
                    r.consume((e >> 10) & 63);
                    k += (e >> 16) & 63;
                    if e & PAIR_EOB != 0 {
                        break;
                    }
                } else {
                    // Near the end of the block: the first symbol alone.
                    r.consume(e & 31);
                    k += (e >> 5) & 31;
                    if k > 64 {
                        return Err(Fault::Overrun(r.pos()));
                    }
                }
                continue;
            }
            let at = r.pos();
            let (sym, len) = b.ac.slow((r.buf >> 48) as u32).ok_or(Fault::BadCode(at))?;
            let size = u32::from(sym & 15);
            r.consume(len + size);
            let advance = match (size, sym >> 4) {
                (0, 15) => 16,
                (0, _) => 0,
                (_, run) => u32::from(run) + 1,
            };
            if advance == 0 {
                break;
            }
            k += advance;
            if k > 64 {
                return Err(Fault::Overrun(r.pos()));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counts(spec: &[(usize, u8)]) -> [u8; 16] {
        let mut c = [0u8; 16];
        for &(len, n) in spec {
            c[len - 1] = n;
        }
        c
    }

    #[test]
    fn tables_refuse_what_libjpeg_refuses() {
        // Lengths summing past 256.
        let c = [17u8; 16];
        assert!(Table::new(&c, &[0; 272], false).is_err());
        // Three 1-bit codes: over-full.
        assert!(Table::new(&counts(&[(1, 3)]), &[1, 2, 3], false).is_err());
        // Two 1-bit codes use the reserved all-ones code.
        assert!(Table::new(&counts(&[(1, 2)]), &[1, 2], false).is_err());
        // Symbol count mismatch.
        assert!(Table::new(&counts(&[(2, 2)]), &[1], false).is_err());
        // DC symbol above 15.
        assert!(Table::new(&counts(&[(2, 1)]), &[16], true).is_err());
        // Empty is accepted (every code is then invalid).
        let empty = Table::new(&[0; 16], &[], false).unwrap();
        assert_eq!(empty.slow(0), None);
        assert_eq!(empty.slow(0xFFFF), None);
    }

    #[test]
    fn long_codes_take_the_slow_path() {
        // One code of each length 1..=15 (0, 10, 110, ...): the 12..15-bit ones are slow.
        let c = [1u8, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0];
        let syms: Vec<u8> = (1..=15).collect();
        let t = Table::new(&c, &syms, false).unwrap();
        // 13 ones then a zero: the 14-bit code, symbol 14.
        assert_eq!(t.slow(0b1111_1111_1111_1000), Some((14, 14)));
        assert_eq!(t.slow(0b0111_1111_1111_1111), Some((1, 1)));
        // 15 ones: the reserved code.
        assert_eq!(t.slow(0xFFFF), None);
    }

    #[test]
    fn reader_positions_and_tail() {
        let data = [0b1010_1010u8, 0xFF, 0x00];
        let mut r = BitReader::new(&data, 3);
        assert_eq!(r.pos(), 3);
        assert_eq!(r.take(5), 0b01010);
        assert_eq!(r.take(8), 0xFF);
        assert_eq!(r.pos(), 16);
        assert_eq!(r.take(16), 0); // 8 data bits, then zeros past the end
        assert_eq!(r.pos(), 32);
        let far = BitReader::new(&data, 1 << 40);
        assert!(far.pos() >= 24);
    }
}
