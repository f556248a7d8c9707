import { describe, expect, it } from 'vitest';
import { foldVietnamese } from '../../src/vietqr/fold.js';

describe('foldVietnamese', () => {
  it('folds every Vietnamese letter to its base letter, đ included', () => {
    expect(foldVietnamese('Học phí tháng 9 – Đợt 1, đã đóng')).toBe('Hoc phi thang 9 – Dot 1, da dong');
    const lower = 'aàảãáạăằẳẵắặâầẩẫấậeèẻẽéẹêềểễếệiìỉĩíịoòỏõóọôồổỗốộơờởỡớợuùủũúụưừửữứựyỳỷỹýỵđ';
    expect(foldVietnamese(lower)).toBe(
      `${'a'.repeat(18)}${'e'.repeat(12)}${'i'.repeat(6)}${'o'.repeat(18)}${'u'.repeat(12)}${'y'.repeat(6)}d`,
    );
    expect(foldVietnamese(lower.toUpperCase())).toBe(foldVietnamese(lower).toUpperCase());
  });

  it('gives the same result for composed and decomposed input', () => {
    const text = 'Nguyễn Thị Ánh Tuyết, Đường Hồ Chí Minh';
    expect(foldVietnamese(text.normalize('NFD'))).toBe(foldVietnamese(text.normalize('NFC')));
    expect(foldVietnamese(text)).toBe('Nguyen Thi Anh Tuyet, Duong Ho Chi Minh');
  });

  it('leaves other characters alone', () => {
    expect(foldVietnamese('ABC-123_x.y 🙏 ß')).toBe('ABC-123_x.y 🙏 ß');
  });
});
