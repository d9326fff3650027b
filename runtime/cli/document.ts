// A document named on the command line: a file, `-` for standard input, or (where allowed) an http(s) URL. Read
// with a bound, refused as soon as it passes it: a hostile source (a server without a length, an endless pipe) never
// makes bunker hold more than such a document can be.

export interface DocumentSource {
  /** What the document is, for errors: "the update", "the target state". */
  what: string;
  maxBytes: number;
  urls: boolean;
}

const boundedText = async (stream: ReadableStream<Uint8Array>, s: DocumentSource): Promise<string> => {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of stream) {
    size += chunk.length;
    if (size > s.maxBytes) throw new Error(`more than ${s.maxBytes} bytes, the most ${s.what} can hold`);
    chunks.push(chunk);
  }
  return new TextDecoder().decode(Buffer.concat(chunks));
};

export const readDocument = async (source: string, s: DocumentSource): Promise<string> => {
  try {
    if (s.urls && /^https?:\/\//.test(source)) {
      const res = await fetch(source, { redirect: "follow" });
      if (!res.ok) throw new Error(`the server answered ${res.status} ${res.statusText}`);
      return await boundedText(res.body ?? new Response("").body!, s);
    }
    return await boundedText((source === "-" ? Bun.stdin : Bun.file(source)).stream(), s);
  } catch (cause) {
    throw new Error(`Cannot read ${s.what} '${source}'`, { cause });
  }
};
