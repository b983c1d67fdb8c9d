/** The keys of an options object that are not undefined, so `{ x: undefined }` keeps x's default when spread over defaults. */
export function defined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o ?? {}).filter(([, v]) => v !== undefined)) as Partial<T>;
}
