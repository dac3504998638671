import type { Random } from './random.ts'

// Vietnamese names and contact details for organisations' contacts.

const families = ['Nguyễn', 'Trần', 'Lê', 'Phạm', 'Hoàng', 'Huỳnh', 'Phan', 'Vũ', 'Võ', 'Đặng', 'Bùi', 'Đỗ', 'Hồ', 'Ngô', 'Dương']
const middles = ['Văn', 'Thị', 'Minh', 'Đức', 'Thanh', 'Ngọc', 'Quang', 'Hữu', 'Thu', 'Xuân']
const givens = [
  'An',
  'Bình',
  'Cường',
  'Dũng',
  'Hà',
  'Hải',
  'Hạnh',
  'Hùng',
  'Lan',
  'Linh',
  'Long',
  'Mai',
  'Nam',
  'Phương',
  'Quân',
  'Sơn',
  'Thảo',
  'Trang',
  'Tuấn',
  'Việt',
  'Yến',
  'Khoa',
]
const positions = ['Giám đốc', 'Phó Giám đốc', 'Trưởng phòng Kỹ thuật', 'Chuyên viên chuyển giao công nghệ', 'Trưởng nhóm nghiên cứu', 'Kỹ sư trưởng']

export type Contact = { name: string; position?: string; email?: string; phone?: string }

export const personName = (random: Random) => `${random.pick(families)} ${random.pick(middles)} ${random.pick(givens)}`

export const phone = (random: Random) => `0${random.int(200, 299)} ${random.int(3000, 3999)} ${String(random.int(0, 999)).padStart(3, '0')}`

export function contact(random: Random, domain: string): Contact {
  return {
    name: personName(random),
    position: random.pick(positions),
    email: `lienhe${random.int(1, 9999)}@${domain}`,
    phone: phone(random),
  }
}
