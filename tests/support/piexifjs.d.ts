// The few parts of piexifjs (a dev dependency without types) the photo tests use: building an EXIF
// block and inserting it into a JPEG, both as "binary strings" (one char per byte).
declare module 'piexifjs' {
  type Ifd = Record<number, unknown>;
  interface ExifDict { '0th'?: Ifd; Exif?: Ifd; GPS?: Ifd; Interop?: Ifd; '1st'?: Ifd; thumbnail?: string | null }
  const piexif: {
    dump(exif: ExifDict): string;
    insert(exif: string, jpeg: string): string;
    load(jpeg: string): ExifDict;
    ImageIFD: Record<string, number>;
    ExifIFD: Record<string, number>;
    GPSIFD: Record<string, number>;
  };
  export default piexif;
}
