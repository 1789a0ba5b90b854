/** Masking of personal data for the wall screen, which people walking by can read. */

/** "Nguyễn Văn An" → "N*** V*** A***" */
export function maskName(name: string): string {
  return name
    .trim()
    .split(/\s+/)
    .filter(Boolean)
    .map((word) => `${Array.from(word)[0] ?? ""}***`)
    .join(" ");
}

/** "079203001234" → "*********234": only the last 3 digits stay. */
export function maskId(id: string): string {
  return id.length <= 3 ? id : "*".repeat(id.length - 3) + id.slice(-3);
}

// The commonest Vietnamese family names: a capitalised run of words starting with one is taken for a
// person's name. Streets and places named after people are kept by the caller's list of known names.
const SURNAMES = [
  "Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ",
  "Ngô", "Dương", "Lý", "Đinh", "Đoàn", "Trương", "Lương", "Mai", "Cao", "Lâm", "Trịnh", "Tôn",
];
const UPPER = "\\p{Lu}";
const WORD = `${UPPER}[\\p{Ll}\\p{M}]*`;
const PERSON = new RegExp(`(?<![\\p{L}])(?:${SURNAMES.join("|")})(?:\\s+${WORD}){1,3}(?![\\p{L}])`, "gu");
// CMND (9 digits), phone numbers (10), CCCD (12): any standalone run of 9 to 12 digits.
const ID_NUMBER = /(?<!\d)\d{9,12}(?!\d)/g;

/** ``text`` with ID numbers and people's names masked; the phrases of ``keep`` (e.g. station and street
 * names of the metadata) are left as they are even when they look like a name. */
export function maskText(text: string, keep: readonly string[] = []): string {
  const kept: string[] = [];
  let out = text;
  for (const phrase of [...keep].filter(Boolean).sort((a, b) => b.length - a.length)) {
    if (!out.includes(phrase)) continue;
    out = out.split(phrase).join(`\u0000${kept.length}\u0000`);
    kept.push(phrase);
  }
  out = out.replace(ID_NUMBER, maskId).replace(PERSON, maskName);
  return out.replace(/\u0000(\d+)\u0000/g, (_, i: string) => kept[Number(i)] ?? "");
}
