package signature

import (
	"bytes"
	"compress/zlib"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"
	"math"
	"math/rand/v2"
	"runtime"
	"strings"
	"sync"
	"testing"
)

// --- helpers that build real image files ---

// stroke draws a wavy pen line across most of m, the way a person signs on a
// canvas; the pen is 3 px wide on a canvas and proportionally wider on a
// large scan.
func stroke(m interface{ Set(x, y int, c color.Color) }, w, h int, c color.Color) {
	r := max(1, max(w, h)/400)
	for x := w / 10; x < w*9/10; x++ {
		y := h/2 + int(float64(h)/4*math.Sin(float64(x)/float64(w)*12))
		for dy := -r; dy <= r; dy++ {
			for dx := -r; dx <= r; dx++ {
				if yy := y + dy; yy >= 0 && yy < h && x+dx >= 0 && x+dx < w {
					m.Set(x+dx, yy, c)
				}
			}
		}
	}
}

// canvasPNG is what canvas.toDataURL() gives: transparent background, dark ink.
func canvasPNG(t testing.TB, w, h int, draw bool) []byte {
	t.Helper()
	m := image.NewNRGBA(image.Rect(0, 0, w, h))
	if draw {
		stroke(m, w, h, color.NRGBA{0x10, 0x20, 0x60, 0xff})
	}
	return encodePNG(t, m)
}

func encodePNG(t testing.TB, m image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, m); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// photoJPEG is a photo of a signature on greyish paper with sensor noise.
func photoJPEG(t testing.TB, w, h int, draw bool) []byte {
	t.Helper()
	m := image.NewRGBA(image.Rect(0, 0, w, h))
	r := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < len(m.Pix); i += 4 {
		v := uint8(195 + r.IntN(6))
		m.Pix[i], m.Pix[i+1], m.Pix[i+2], m.Pix[i+3] = v, v, v-5, 0xff
	}
	if draw {
		stroke(m, w, h, color.RGBA{30, 30, 50, 0xff})
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, m, &jpeg.Options{Quality: 60}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// chunk builds one PNG chunk with a correct CRC.
func chunk(typ string, data []byte) []byte {
	var b bytes.Buffer
	binary.Write(&b, binary.BigEndian, uint32(len(data)))
	b.WriteString(typ)
	b.Write(data)
	crc := crc32.NewIEEE()
	crc.Write([]byte(typ))
	crc.Write(data)
	binary.Write(&b, binary.BigEndian, crc.Sum32())
	return b.Bytes()
}

// craftPNG builds a PNG by hand with any header and an IDAT holding zlib of
// rawLen zero bytes (all rows filter 0, all pixels black), so tests can claim
// dimensions no encoder would produce and pack decompression bombs.
func craftPNG(t testing.TB, w, h uint32, colorType byte, rawLen int64) []byte {
	t.Helper()
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], w)
	binary.BigEndian.PutUint32(ihdr[4:], h)
	ihdr[8] = 8 // bit depth
	ihdr[9] = colorType
	var z bytes.Buffer
	zw, _ := zlib.NewWriterLevel(&z, zlib.BestCompression)
	if _, err := io.CopyN(zw, zeros{}, rawLen); err != nil {
		t.Fatal(err)
	}
	zw.Close()
	var b bytes.Buffer
	b.Write(pngMagic)
	b.Write(chunk("IHDR", ihdr))
	b.Write(chunk("IDAT", z.Bytes()))
	b.Write(chunk("IEND", nil))
	return b.Bytes()
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) { clear(p); return len(p), nil }

func code(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	if err == nil {
		return "<nil>"
	}
	return "<not *Error: " + err.Error() + ">"
}

// allocated runs f and returns the bytes it allocated.
func allocated(f func()) uint64 {
	var a, b runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&a)
	f()
	runtime.ReadMemStats(&b)
	return b.TotalAlloc - a.TotalAlloc
}

func decodeOut(t *testing.T, out []byte) image.Image {
	t.Helper()
	if !bytes.HasPrefix(out, pngMagic) {
		t.Fatalf("output is not a PNG: % x", out[:min(8, len(out))])
	}
	m, err := png.Decode(bytes.NewReader(out))
	if err != nil {
		t.Fatalf("output does not decode: %v", err)
	}
	return m
}

// --- tests ---

func TestFromBytesAccepts(t *testing.T) {
	gray := image.NewGray(image.Rect(0, 0, 300, 100))
	for i := range gray.Pix {
		gray.Pix[i] = 0xff
	}
	stroke(gray, 300, 100, color.Gray{0})
	pal := image.NewPaletted(image.Rect(0, 0, 300, 100), color.Palette{color.White, color.Black})
	stroke(pal, 300, 100, color.Black)
	deep := image.NewNRGBA64(image.Rect(0, 0, 300, 100))
	stroke(deep, 300, 100, color.NRGBA64{0, 0, 0x4000, 0xffff})
	premul := image.NewRGBA(image.Rect(0, 0, 300, 100))
	stroke(premul, 300, 100, color.RGBA{0, 0, 0x80, 0xff})
	twoPx := image.NewGray(image.Rect(0, 0, 2, 1))
	twoPx.Pix[1] = 0xff

	cases := []struct {
		name   string
		in     []byte
		w, h   int
		opaque bool
	}{
		{"canvas exact size", canvasPNG(t, 492, 192, true), 492, 192, false},
		{"hi-dpi canvas 2x", canvasPNG(t, 984, 384, true), 492, 192, false},
		{"wide canvas", canvasPNG(t, 1000, 200, true), 492, 98, false},
		{"tall scan", canvasPNG(t, 300, 3000, true), 19, 192, false},
		{"small stays small", canvasPNG(t, 120, 40, true), 120, 40, false},
		{"phone photo jpeg", photoJPEG(t, 2400, 1800, true), 256, 192, true},
		{"small jpeg", photoJPEG(t, 400, 150, true), 400, 150, true},
		{"grey png", encodePNG(t, gray), 300, 100, true},
		{"paletted png", encodePNG(t, pal), 300, 100, true},
		{"16-bit png", encodePNG(t, deep), 300, 100, false},
		{"rgba png", encodePNG(t, premul), 300, 100, false},
		{"two pixels, one dark", encodePNG(t, twoPx), 2, 1, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out, err := FromBytes(c.in)
			if err != nil {
				t.Fatalf("FromBytes: %v", err)
			}
			m := decodeOut(t, out)
			if got := m.Bounds().Size(); got != image.Pt(c.w, c.h) {
				t.Fatalf("size %v, want %dx%d", got, c.w, c.h)
			}
			if isBlank(m) {
				t.Fatal("the ink was lost in scaling")
			}
			// Transparency of canvas drawings is kept so the PDF shows no box.
			_, _, _, a := m.At(0, 0).RGBA()
			if c.opaque != (a == 0xffff) {
				t.Fatalf("corner alpha %#x, opaque want %v", a, c.opaque)
			}
		})
	}
}

func TestFromBytesDropsMetadata(t *testing.T) {
	const secret = "GPS 50.0875N 14.4214E serial XYZ-SECRET"
	// PNG with a tEXt chunk before IEND.
	p := canvasPNG(t, 200, 80, true)
	iend := bytes.LastIndex(p, []byte("IEND")) - 4
	withText := append(append(append([]byte{}, p[:iend]...), chunk("tEXt", []byte("Comment\x00"+secret))...), p[iend:]...)
	// JPEG with an EXIF APP1 segment right after SOI.
	j := photoJPEG(t, 200, 80, true)
	app1 := exifSegment(binary.BigEndian, 1, secret)
	withExif := append(append(append([]byte{}, j[:2]...), app1...), j[2:]...)

	for name, in := range map[string][]byte{"png tEXt": withText, "jpeg exif": withExif} {
		if !bytes.Contains(in, []byte(secret)) {
			t.Fatalf("%s: test input lacks the secret", name)
		}
		out, err := FromBytes(in)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if bytes.Contains(out, []byte("SECRET")) {
			t.Fatalf("%s: metadata survived re-encoding", name)
		}
	}
}

// exifSegment builds an APP1 Exif segment with an orientation tag and an
// ImageDescription string.
func exifSegment(bo binary.ByteOrder, orientation uint16, desc string) []byte {
	var tiff bytes.Buffer
	if bo == binary.BigEndian {
		tiff.WriteString("MM")
	} else {
		tiff.WriteString("II")
	}
	binary.Write(&tiff, bo, uint16(42))
	binary.Write(&tiff, bo, uint32(8))
	binary.Write(&tiff, bo, uint16(2)) // two entries
	// ImageDescription (0x010e), ASCII, value stored after the IFD.
	binary.Write(&tiff, bo, uint16(0x010e))
	binary.Write(&tiff, bo, uint16(2))
	binary.Write(&tiff, bo, uint32(len(desc)+1))
	binary.Write(&tiff, bo, uint32(8+2+2*12+4))
	// Orientation (0x0112), SHORT.
	binary.Write(&tiff, bo, uint16(0x0112))
	binary.Write(&tiff, bo, uint16(3))
	binary.Write(&tiff, bo, uint32(1))
	binary.Write(&tiff, bo, orientation)
	binary.Write(&tiff, bo, uint16(0))
	binary.Write(&tiff, bo, uint32(0)) // no next IFD
	tiff.WriteString(desc + "\x00")
	seg := append([]byte("Exif\x00\x00"), tiff.Bytes()...)
	out := []byte{0xFF, 0xE1, 0, 0}
	binary.BigEndian.PutUint16(out[2:], uint16(len(seg)+2))
	return append(out, seg...)
}

func TestFromBytesAppliesEXIFOrientation(t *testing.T) {
	// 200×100 photo, ink only in the left quarter.
	m := image.NewRGBA(image.Rect(0, 0, 200, 100))
	for i := range m.Pix {
		m.Pix[i] = 0xff
	}
	for y := 0; y < 100; y++ {
		for x := 10; x < 40; x++ {
			m.Set(x, y, color.Black)
		}
	}
	var j bytes.Buffer
	jpeg.Encode(&j, m, &jpeg.Options{Quality: 90})
	dark := func(m image.Image, x, y int) bool { r, _, _, _ := m.At(x, y).RGBA(); return r < 0x4000 }

	for _, tc := range []struct {
		o    uint16
		bo   binary.ByteOrder
		size image.Point
		ink  image.Point // a point that must be dark after orientation
	}{
		{1, binary.BigEndian, image.Pt(200, 100), image.Pt(25, 50)},
		{3, binary.LittleEndian, image.Pt(200, 100), image.Pt(175, 50)},
		{6, binary.BigEndian, image.Pt(96, 192), image.Pt(48, 24)},     // rotated clockwise: ink on top
		{8, binary.LittleEndian, image.Pt(96, 192), image.Pt(48, 168)}, // counter-clockwise: ink at bottom
	} {
		in := append(append(append([]byte{}, j.Bytes()[:2]...), exifSegment(tc.bo, tc.o, "x")...), j.Bytes()[2:]...)
		if got := jpegOrientation(in); got != int(tc.o) {
			t.Fatalf("orientation %d read as %d", tc.o, got)
		}
		out, err := FromBytes(in)
		if err != nil {
			t.Fatalf("orientation %d: %v", tc.o, err)
		}
		img := decodeOut(t, out)
		if img.Bounds().Size() != tc.size {
			t.Fatalf("orientation %d: size %v, want %v", tc.o, img.Bounds().Size(), tc.size)
		}
		if !dark(img, tc.ink.X, tc.ink.Y) {
			t.Fatalf("orientation %d: no ink at %v", tc.o, tc.ink)
		}
	}
}

func TestFromBytesRefuses(t *testing.T) {
	valid := canvasPNG(t, 300, 100, true)
	gifBuf := new(bytes.Buffer)
	gif.Encode(gifBuf, image.NewPaletted(image.Rect(0, 0, 10, 10), color.Palette{color.Black, color.White}), nil)
	oneBlack := image.NewGray(image.Rect(0, 0, 1, 1))
	white := image.NewRGBA(image.Rect(0, 0, 492, 192))
	for i := range white.Pix {
		white.Pix[i] = 0xff
	}
	dot := image.NewNRGBA(image.Rect(0, 0, 492, 192))
	for y := 90; y < 93; y++ {
		for x := 200; x < 203; x++ {
			dot.Set(x, y, color.Black)
		}
	}
	padded := append(append([]byte{}, valid...), make([]byte, MaxEncodedBytes)...)

	cases := []struct {
		name, code string
		in         []byte
	}{
		{"nil", CodeRequired, nil},
		{"empty", CodeRequired, []byte{}},
		{"blank transparent canvas", CodeEmpty, canvasPNG(t, 492, 192, false)},
		{"blank white canvas", CodeEmpty, encodePNG(t, white)},
		{"stray tap", CodeEmpty, encodePNG(t, dot)},
		{"photo of blank paper", CodeEmpty, photoJPEG(t, 800, 600, false)},
		{"1x1", CodeEmpty, encodePNG(t, oneBlack)},
		{"gif renamed", CodeFormat, gifBuf.Bytes()},
		{"svg renamed", CodeFormat, []byte(`<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`)},
		{"svg with xml prolog", CodeFormat, []byte(`<?xml version="1.0"?><svg/>`)},
		{"html renamed", CodeFormat, []byte("<!doctype html><script>alert(document.cookie)</script>")},
		{"sql", CodeFormat, []byte("'); DROP TABLE applications;--")},
		{"bmp", CodeFormat, []byte("BM\x36\x00\x00\x00\x00\x00\x00\x00\x36\x00\x00\x00")},
		{"webp", CodeFormat, []byte("RIFF\x24\x00\x00\x00WEBPVP8 ")},
		{"pdf", CodeFormat, []byte("%PDF-1.7\n")},
		{"png magic then junk", CodeCorrupt, append(append([]byte{}, pngMagic...), "junk junk junk junk"...)},
		{"jpeg magic then junk", CodeCorrupt, []byte("\xff\xd8\xff\xe0junk")},
		{"over 2 MB", CodeTooLarge, padded},
		{"100000x100000 header", CodeDimensions, craftPNG(t, 100000, 100000, 0, 1)},
		{"one side too long", CodeDimensions, craftPNG(t, MaxSide+1, 1, 0, 1)},
		{"too many pixels", CodeDimensions, craftPNG(t, 6000, 5000, 0, 1)},
		{"zero width", CodeCorrupt, craftPNG(t, 0, 10, 0, 1)},
		{"2^31 width", CodeCorrupt, craftPNG(t, 1<<31, 1, 0, 1)},
		{"truncated png", CodeCorrupt, valid[:len(valid)/2]},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out, err := FromBytes(c.in)
			if got := code(err); got != c.code {
				t.Fatalf("code %q, want %q", got, c.code)
			}
			if out != nil {
				t.Fatal("output returned with an error")
			}
			if !errors.Is(err, &Error{Code: c.code}) {
				t.Fatal("errors.Is does not match the code")
			}
		})
	}
}

// The header is read before anything is allocated for the pixels: a PNG
// claiming 10^10 pixels must cost next to nothing.
func TestHugeDimensionsRefusedBeforeDecode(t *testing.T) {
	in := craftPNG(t, 100000, 100000, 6, 1024)
	var err error
	n := allocated(func() { _, err = FromBytes(in) })
	if code(err) != CodeDimensions {
		t.Fatalf("got %v", err)
	}
	if n > 1<<20 {
		t.Fatalf("allocated %d bytes for a refused header", n)
	}
}

// A zlib bomb in IDAT: a 10×10 image whose IDAT inflates to 64 MB. The decoder
// must stop after the 110 bytes the header allows, not inflate everything.
func TestZlibBombInIDAT(t *testing.T) {
	in := craftPNG(t, 10, 10, 0, 64<<20)
	if len(in) > MaxEncodedBytes {
		t.Fatalf("bomb is %d bytes, should fit the limit to be a real test", len(in))
	}
	var err error
	n := allocated(func() { _, err = FromBytes(in) })
	if code(err) != CodeCorrupt {
		t.Fatalf("got %v", err)
	}
	if n > 4<<20 {
		t.Fatalf("allocated %d bytes for a 10x10 bomb", n)
	}

	// The same bomb with a header that allows all of it (a legal but
	// all-black 16 MP image): decoding is bounded by the header, and a
	// uniform image is no signature.
	in = craftPNG(t, 4000, 4000, 0, 4000*4001)
	if _, err := FromBytes(in); code(err) != CodeEmpty {
		t.Fatalf("all-black 16 MP image: got %v", err)
	}
}

func TestTruncatedFiles(t *testing.T) {
	for name, full := range map[string][]byte{
		"png":  canvasPNG(t, 120, 60, true),
		"jpeg": photoJPEG(t, 120, 60, true),
	} {
		if _, err := FromBytes(full); err != nil {
			t.Fatalf("%s: full file refused: %v", name, err)
		}
		// Every prefix that still carries the magic bytes must be refused
		// (or, for JPEG, whose decoder tolerates a missing end marker, at
		// least never panic and never return garbage).
		for n := 1; n < len(full); n++ {
			out, err := FromBytes(full[:n])
			if err == nil {
				if name == "png" || n < len(full)-2 {
					t.Fatalf("%s truncated to %d of %d bytes accepted", name, n, len(full))
				}
				decodeOut(t, out)
				continue
			}
			want := CodeCorrupt
			if n < 8 && name == "png" || n < 3 && name == "jpeg" {
				want = CodeFormat
			}
			if code(err) != want && code(err) != CodeEmpty {
				t.Fatalf("%s truncated to %d: code %q, want %q", name, n, code(err), want)
			}
		}
	}
}

func TestFromDataURL(t *testing.T) {
	p := canvasPNG(t, 300, 100, true)
	j := photoJPEG(t, 300, 100, true)
	b64 := base64.StdEncoding.EncodeToString
	gifBuf := new(bytes.Buffer)
	gif.Encode(gifBuf, image.NewPaletted(image.Rect(0, 0, 10, 10), color.Palette{color.Black, color.White}), nil)

	ok := []string{
		"data:image/png;base64," + b64(p),
		"data:image/jpeg;base64," + b64(j),
		"data:image/jpg;base64," + b64(j),
		"DATA:IMAGE/PNG;BASE64," + b64(p),
		// The claimed type is ignored once it names PNG or JPEG: bytes decide.
		"data:image/png;base64," + b64(j),
	}
	for i, s := range ok {
		out, err := FromDataURL(s)
		if err != nil {
			t.Fatalf("ok[%d]: %v", i, err)
		}
		decodeOut(t, out)
	}

	bad := []struct{ name, in, code string }{
		{"empty string", "", CodeRequired},
		{"empty canvas data:,", "data:,", CodeRequired},
		{"no payload", "data:image/png;base64,", CodeRequired},
		{"blank canvas", "data:image/png;base64," + b64(canvasPNG(t, 492, 192, false)), CodeEmpty},
		{"not a data URL", b64(p), CodeFormat},
		{"http URL", "https://evil.example/sig.png", CodeFormat},
		{"javascript", "javascript:alert(1)", CodeFormat},
		{"no comma", "data:image/png;base64" + b64(p), CodeFormat},
		{"not base64", "data:image/png," + string(p), CodeFormat},
		{"gif mime", "data:image/gif;base64," + b64(gifBuf.Bytes()), CodeFormat},
		{"svg mime", "data:image/svg+xml;base64," + b64([]byte("<svg onload=alert(1)/>")), CodeFormat},
		{"html mime", "data:text/html;base64," + b64([]byte("<script>alert(1)</script>")), CodeFormat},
		{"extra parameter", "data:image/png;charset=utf-8;base64," + b64(p), CodeFormat},
		{"png mime, gif bytes", "data:image/png;base64," + b64(gifBuf.Bytes()), CodeFormat},
		{"png mime, html bytes", "data:image/png;base64," + b64([]byte("<html><script>x</script>")), CodeFormat},
		{"bad base64 alphabet", "data:image/png;base64,@@@@" + b64(p), CodeCorrupt},
		{"url-safe base64", "data:image/png;base64," + strings.NewReplacer("+", "-", "/", "_").Replace(b64(p)) + "-_", CodeCorrupt},
		{"newlines in base64", "data:image/png;base64," + b64(p)[:40] + "\n" + b64(p)[40:], CodeCorrupt},
		{"missing padding", "data:image/png;base64,iVBORw0KGgo", CodeCorrupt},
		{"RTL override", "data:image/png;base64,\u202e" + b64(p), CodeCorrupt},
		{"NUL", "data:image/png;base64,\x00" + b64(p), CodeCorrupt},
	}
	for _, c := range bad {
		t.Run(c.name, func(t *testing.T) {
			out, err := FromDataURL(c.in)
			if code(err) != c.code || out != nil {
				t.Fatalf("code %q, want %q", code(err), c.code)
			}
		})
	}
}

// An oversized data URL is refused from its length, before base64 decoding
// allocates a copy.
func TestFromDataURLOversizedNotDecoded(t *testing.T) {
	s := "data:image/png;base64," + strings.Repeat("A", base64.StdEncoding.EncodedLen(MaxEncodedBytes)+4)
	var err error
	n := allocated(func() { _, err = FromDataURL(s) })
	if code(err) != CodeTooLarge {
		t.Fatalf("got %v", err)
	}
	if n > 64<<10 {
		t.Fatalf("allocated %d bytes before refusing", n)
	}
	// Exactly at the limit the size check passes and the content decides.
	s = "data:image/png;base64," + base64.StdEncoding.EncodeToString(make([]byte, MaxEncodedBytes))
	if _, err := FromDataURL(s); code(err) != CodeFormat {
		t.Fatalf("2 MB of zeros: got %v", err)
	}
}

func TestJPEGOrientationHostile(t *testing.T) {
	for _, in := range [][]byte{
		nil, {0xff, 0xd8}, {0xff, 0xd8, 0xff}, {0xff, 0xd8, 0xff, 0xe1, 0xff, 0xff},
		{0xff, 0xd8, 0xff, 0xe1, 0x00, 0x00},
		append([]byte{0xff, 0xd8, 0xff, 0xe1, 0x00, 0x10}, "Exif\x00\x00MM\x00\x2a\xff\xff\xff\xff"...),
		append([]byte{0xff, 0xd8, 0xff, 0xe1, 0x00, 0x14}, "Exif\x00\x00II\x2a\x00\x08\x00\x00\x00\xff\xff"...),
	} {
		if o := jpegOrientation(in); o != 1 {
			t.Fatalf("% x: orientation %d", in, o)
		}
	}
}

// Many goroutines share the decode budget; none may block or fail.
func TestConcurrent(t *testing.T) {
	small := canvasPNG(t, 492, 192, true)
	big := photoJPEG(t, 2000, 1500, true)
	var wg sync.WaitGroup
	errs := make(chan error, 24)
	for i := range 24 {
		wg.Go(func() {
			in := small
			if i%6 == 0 {
				in = big
			}
			if _, err := FromBytes(in); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}

func FuzzFromBytes(f *testing.F) {
	f.Add(canvasPNG(f, 40, 20, true))
	f.Add(canvasPNG(f, 4, 4, false))
	f.Add(photoJPEG(f, 40, 20, true))
	f.Add(craftPNG(f, 100000, 100000, 0, 1))
	f.Add(craftPNG(f, 10, 10, 0, 200))
	j := photoJPEG(f, 16, 8, true)
	f.Add(append(append(append([]byte{}, j[:2]...), exifSegment(binary.LittleEndian, 6, "d")...), j[2:]...))
	f.Add([]byte("GIF89a"))
	f.Fuzz(func(t *testing.T, b []byte) {
		out, err := FromBytes(b)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error is not *Error: %v", err)
			}
			return
		}
		m, err := png.Decode(bytes.NewReader(out))
		if err != nil {
			t.Fatalf("output does not decode: %v", err)
		}
		if s := m.Bounds().Size(); s.X > Width || s.Y > Height || s.X < 1 || s.Y < 1 {
			t.Fatalf("output size %v", s)
		}
		// Bounded output: a signature-sized PNG, whatever came in.
		if len(out) > 4*Width*Height+1024 {
			t.Fatalf("output of %d bytes", len(out))
		}
		// A size bomb never gets this far: its header is refused first.
		if cfg, err := png.DecodeConfig(bytes.NewReader(b)); err == nil && int64(cfg.Width)*int64(cfg.Height) > MaxPixels {
			t.Fatalf("a %dx%d image was accepted", cfg.Width, cfg.Height)
		}
		// The form sends the kept result of an upload back as a data URL
		// when another field needs fixing: it must be accepted again, the
		// same size, and normalising it again changes nothing visible.
		again, err := FromDataURL("data:image/png;base64," + base64.StdEncoding.EncodeToString(out))
		if err != nil {
			t.Fatalf("normalised signature refused on resubmission: %v", err)
		}
		m2, err := png.Decode(bytes.NewReader(again))
		if err != nil {
			t.Fatal(err)
		}
		if m2.Bounds() != m.Bounds() {
			t.Fatalf("resubmission changed the size %v -> %v", m.Bounds(), m2.Bounds())
		}
		if d := maxChannelDiff(m, m2); d > 1 {
			t.Fatalf("resubmission changed a pixel by %d/255", d)
		}
	})
}

// maxChannelDiff is the largest difference of any colour channel of any
// pixel (8-bit, premultiplied) between two images of the same bounds.
func maxChannelDiff(a, b image.Image) int {
	d := 0
	r := a.Bounds()
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			ar, ag, ab, aa := a.At(x, y).RGBA()
			br, bg, bb, ba := b.At(x, y).RGBA()
			for _, p := range [][2]uint32{{ar, br}, {ag, bg}, {ab, bb}, {aa, ba}} {
				v := int(p[0]>>8) - int(p[1]>>8)
				if v < 0 {
					v = -v
				}
				d = max(d, v)
			}
		}
	}
	return d
}

func FuzzFromDataURL(f *testing.F) {
	f.Add("data:image/png;base64," + base64.StdEncoding.EncodeToString(canvasPNG(f, 20, 10, true)))
	f.Add("data:,")
	f.Add("data:image/jpeg;base64,/9j/")
	f.Fuzz(func(t *testing.T, s string) {
		if _, err := FromDataURL(s); err != nil {
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error is not *Error: %v", err)
			}
		}
	})
}

func BenchmarkFromBytes(b *testing.B) {
	for _, c := range []struct {
		name string
		in   []byte
	}{
		{"canvas_492x192", canvasPNG(b, 492, 192, true)},
		{"hidpi_canvas_984x384", canvasPNG(b, 984, 384, true)},
		{"photo_4000x3000_jpeg", photoJPEG(b, 4000, 3000, true)},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(len(c.in)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := FromBytes(c.in); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkFromDataURL(b *testing.B) {
	s := "data:image/png;base64," + base64.StdEncoding.EncodeToString(canvasPNG(b, 492, 192, true))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := FromDataURL(s); err != nil {
			b.Fatal(err)
		}
	}
}
