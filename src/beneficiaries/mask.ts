// Masks for beneficiaries' personal data, as Chinese public bodies print them (张*明, 4401**********1234).
export function maskName(name: string): string {
  const chars = [...name.trim()];
  if (chars.length <= 1) return '*';
  if (chars.length === 2) return `${chars[0]}*`;
  return `${chars[0]}${'*'.repeat(chars.length - 2)}${chars.at(-1)}`;
}

export function maskIdNumber(id: string): string {
  const s = id.trim();
  if (s.length <= 8) return '*'.repeat(s.length);
  return `${s.slice(0, 4)}${'*'.repeat(s.length - 8)}${s.slice(-4)}`;
}

export function maskPhone(phone: string | null): string | null {
  if (!phone) return null;
  const s = phone.replace(/\s+/g, '');
  if (s.length <= 7) return '*'.repeat(s.length);
  return `${s.slice(0, 3)}${'*'.repeat(s.length - 7)}${s.slice(-4)}`;
}

export function maskAddress(address: string): string {
  const chars = [...address.trim()];
  return chars.length <= 6 ? '***' : `${chars.slice(0, 6).join('')}***`;
}
