use preflight::hash::pdq::{self, PdqHash};
use preflight::media::{self, DecodeLimits};
fn main() {
    let refs = std::fs::read_to_string("tests/fixtures/pdq/reference_hashes.csv").unwrap();
    for line in refs.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        if f[0] != "cpp" || f[3].parse::<i32>().unwrap() < 80 { continue; }
        let bytes = std::fs::read(format!("tests/fixtures/pdq/images/{}", f[1])).unwrap();
        let r = PdqHash::from_hex(f[2]).unwrap();
        let mut row = format!("{:28}", f[1]);
        for min_side in [512u32, 384, 256, 128] {
            let d = media::decode_for_hashing(&bytes, &DecodeLimits::default(), min_side).unwrap();
            let h = pdq::hash_pixels(d.pixels.as_pdq_input()).unwrap();
            let dist = h.hashes.iter().map(|v| v.distance(&r)).min().unwrap();
            row += &format!(" min{min_side}:1/{} d={dist:2}", d.scale_denominator);
        }
        println!("{row}");
    }
}
