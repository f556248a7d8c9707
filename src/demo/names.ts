/**
 * Vietnamese names for the demo commune: surnames by their real frequency (Nguyễn ≈ 38 %, Trần 11 %,
 * Lê 9.5 % …, from the commonly cited 2005 survey), middle and given names by sex, and the way a bank
 * prints an account holder (folded to ASCII, upper case: "NGUYEN THI HOA").
 */
import { foldVietnamese } from '../vietqr/fold.js';
import type { Random } from './random.js';

const surnames: [string, number][] = [
  ['Nguyễn', 38],
  ['Trần', 11],
  ['Lê', 9.5],
  ['Phạm', 7],
  ['Hoàng', 5.1],
  ['Vũ', 3.9],
  ['Phan', 4.5],
  ['Đặng', 2.1],
  ['Bùi', 2],
  ['Đỗ', 1.4],
  ['Ngô', 1.3],
  ['Dương', 1],
  ['Đinh', 0.9],
  ['Lý', 0.5],
  ['Trịnh', 0.8],
  ['Đào', 0.7],
  ['Mai', 0.5],
  ['Tạ', 0.3],
  ['Cao', 0.4],
  ['Lương', 0.4],
];

const maleMiddle = [
  'Văn',
  'Văn',
  'Văn',
  'Đức',
  'Minh',
  'Quang',
  'Hữu',
  'Xuân',
  'Thành',
  'Công',
  'Đình',
  'Ngọc',
];
const femaleMiddle = ['Thị', 'Thị', 'Thị', 'Thị', 'Ngọc', 'Thu', 'Thanh', 'Minh', 'Hồng', 'Phương', 'Kim'];
const maleGiven = [
  'An',
  'Bình',
  'Cường',
  'Dũng',
  'Đạt',
  'Hải',
  'Hiếu',
  'Hoàng',
  'Hùng',
  'Huy',
  'Khánh',
  'Khoa',
  'Kiên',
  'Long',
  'Mạnh',
  'Nam',
  'Nghĩa',
  'Phong',
  'Phúc',
  'Quân',
  'Sơn',
  'Tài',
  'Thắng',
  'Thành',
  'Tiến',
  'Toàn',
  'Trung',
  'Tuấn',
  'Tùng',
  'Việt',
  'Vinh',
  'Duy',
  'Hưng',
  'Lâm',
  'Minh',
  'Quang',
  'Đức',
  'Thịnh',
];
const femaleGiven = [
  'Anh',
  'Chi',
  'Dung',
  'Duyên',
  'Giang',
  'Hà',
  'Hạnh',
  'Hằng',
  'Hiền',
  'Hoa',
  'Hồng',
  'Huế',
  'Hương',
  'Huyền',
  'Lan',
  'Liên',
  'Linh',
  'Loan',
  'Mai',
  'Nga',
  'Ngân',
  'Ngọc',
  'Nhung',
  'Oanh',
  'Phương',
  'Quyên',
  'Thảo',
  'Thu',
  'Thúy',
  'Trang',
  'Tuyết',
  'Vân',
  'Yến',
  'Hậu',
  'My',
  'Nhi',
  'Vy',
  'Thơm',
];

export type Person = { name: string; surname: string; given: string; female: boolean };

export function randomSurname(rng: Random): string {
  return rng.weighted(surnames);
}

export function randomPerson(rng: Random, surname = randomSurname(rng), female = rng.chance(0.5)): Person {
  const middle = rng.pick(female ? femaleMiddle : maleMiddle);
  const given = rng.pick(female ? femaleGiven : maleGiven);
  return { name: `${surname} ${middle} ${given}`, surname, given, female };
}

/** How a bank prints a holder's name: "Nguyễn Thị Hoa" → "NGUYEN THI HOA". */
export function accountHolder(name: string): string {
  return foldVietnamese(name).toUpperCase();
}

/** ASCII-folded, upper-cased text, as it comes back in most bank memos. */
export const bankText = accountHolder;
