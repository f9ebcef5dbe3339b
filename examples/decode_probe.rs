use std::time::Instant;
fn main() {
    let bytes = std::fs::read("tests/fixtures/pdq/images/exif-rotn-6.jpg").unwrap();
    for m in [8u8, 4, 2, 1] {
        let mut best = f64::MAX;
        for _ in 0..8 {
            let t = Instant::now();
            let mut d = mozjpeg::Decompress::new_mem(&bytes).unwrap();
            d.scale(m);
            let mut s = d.rgb().unwrap();
            let px: Vec<u8> = s.read_scanlines().unwrap();
            s.finish().unwrap();
            std::hint::black_box(px);
            best = best.min(t.elapsed().as_secs_f64() * 1e3);
        }
        println!("scale {m}/8: best {best:.1} ms");
    }
}
