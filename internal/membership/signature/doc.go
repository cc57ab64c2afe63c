// Package signature turns an applicant's signature — drawn on a canvas, uploaded
// as a photo or scan — into a small, clean PNG that is safe to store and to put
// in the application PDF.
//
// Why it is built so:
//
//   - The bytes come from strangers, so the type is taken from the magic bytes,
//     never from a file name, a Content-Type or a data URL's MIME type; only PNG
//     and JPEG are accepted because those are what canvases, phones and scanners
//     produce, and every extra decoder is extra attack surface.
//   - Size is checked before any work: the encoded size before base64 decoding
//     and before image decoding, the pixel dimensions with image.DecodeConfig
//     (which reads only the header) before the pixel buffer is allocated. A tiny
//     PNG can claim 100000×100000 pixels; decoding it would ask for 40 GB.
//   - Decodes that pass those checks still take memory in proportion to their
//     pixel count, so a weighted semaphore caps the pixels being decoded at once
//     across the process: fifty small canvas signatures run in parallel, two
//     phone photos at most.
//   - The result is always re-encoded: that drops EXIF (GPS position, camera
//     serial numbers), comments and any polyglot payload, and gives the PDF and
//     the admin console one predictable format no larger than 492×192. Images
//     are only scaled down; scaling a small image up would only blur it. The
//     EXIF orientation of phone photos is applied before it is dropped, so a
//     photographed signature is not stored on its side.
//   - An untouched canvas is not a signature. canvas.toDataURL() on a blank
//     canvas yields a valid, fully transparent PNG (or a white one when the page
//     paints a background), and an empty 0×0 canvas yields "data:,". Those are
//     refused with the code "empty" ("required" when there are no bytes at all),
//     as is any image with no visible mark: fewer than one pixel in 4000
//     noticeably darker than the image's lightest tone. That also refuses a
//     photo of blank paper and a stray tap on the canvas.
//
// Errors are *Error values carrying only a stable code, so the form and the JSON
// API can map them to messages in the applicant's language.
package signature
