package chunker

// GearSeed seeds the splitmix64 generator that fills the gear table. It is
// part of the chunk format: see the package documentation.
const GearSeed uint64 = 0x6864732d67656172 // "hds-gear"

// gear maps each byte value to a pseudo-random 64-bit value.
var gear = makeGear(GearSeed)

// makeGear fills a table from splitmix64 (Steele, Lea, Flood 2014).
func makeGear(seed uint64) [256]uint64 {
	var t [256]uint64
	x := seed
	for i := range t {
		x += 0x9e3779b97f4a7c15
		z := x
		z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
		z = (z ^ z>>27) * 0x94d049bb133111eb
		t[i] = z ^ z>>31
	}
	return t
}
