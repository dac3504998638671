// Controlled vocabularies: the codes the API accepts, with Vietnamese and English labels.
// Codes are stable API values; labels may be improved without breaking clients.

export type Term = { code: string; labelVi: string; labelEn: string; description?: string }

const terms = <const C extends string>(list: ReadonlyArray<{ code: C; labelVi: string; labelEn: string; description?: string }>) => list

export const organizationKinds = terms([
  { code: 'transfer_centre', labelVi: 'Trung tâm ứng dụng và chuyển giao công nghệ', labelEn: 'Technology application and transfer centre' },
  { code: 'research_institute', labelVi: 'Viện nghiên cứu', labelEn: 'Research institute' },
  { code: 'university', labelVi: 'Trường đại học', labelEn: 'University' },
  { code: 'enterprise', labelVi: 'Doanh nghiệp', labelEn: 'Enterprise' },
  { code: 'connection_point', labelVi: 'Điểm kết nối cung cầu công nghệ', labelEn: 'Supply-demand connection point' },
  { code: 'authority', labelVi: 'Sở Khoa học và Công nghệ', labelEn: 'Department of Science and Technology (DOST)' },
  { code: 'exchange_operator', labelVi: 'Đơn vị vận hành sàn giao dịch', labelEn: 'Exchange operator' },
])

// Objects of transfer, Law 07/2017/QH14 Art. 4, as the kinds of thing a listing offers.
export const listingKinds = terms([
  {
    code: 'technology',
    labelVi: 'Công nghệ',
    labelEn: 'Technology',
    description: 'Processes, solutions, parameters, drawings, formulas, software, data (Art. 4.1.b)',
  },
  { code: 'product', labelVi: 'Sản phẩm', labelEn: 'Product', description: 'A product made with a technology, offered with it' },
  { code: 'equipment', labelVi: 'Máy móc, thiết bị', labelEn: 'Equipment', description: 'Machinery and equipment accompanying a technology (Art. 4.1.d)' },
  { code: 'know_how', labelVi: 'Bí quyết kỹ thuật', labelEn: 'Know-how', description: 'Technical know-how and technological secrets (Art. 4.1.a)' },
  { code: 'service', labelVi: 'Dịch vụ', labelEn: 'Service', description: 'Technical services, consultancy, training (Art. 4.1.c)' },
])

// Forms of transfer, Art. 5.
export const transferForms = terms([
  { code: 'standalone', labelVi: 'Hợp đồng chuyển giao công nghệ độc lập', labelEn: 'Standalone technology transfer contract' },
  { code: 'investment_project', labelVi: 'Phần chuyển giao công nghệ trong dự án đầu tư', labelEn: 'Part of an investment project' },
  { code: 'capital_contribution', labelVi: 'Góp vốn bằng công nghệ', labelEn: 'Capital contribution in technology' },
  { code: 'franchise', labelVi: 'Nhượng quyền thương mại', labelEn: 'Franchise' },
  { code: 'ip_transfer', labelVi: 'Chuyển giao quyền sở hữu trí tuệ', labelEn: 'Transfer of intellectual property rights' },
  { code: 'machinery_sale', labelVi: 'Mua, bán máy móc, thiết bị kèm công nghệ', labelEn: 'Sale of machinery with technology' },
  { code: 'other', labelVi: 'Hình thức khác theo quy định', labelEn: 'Other form provided by law' },
])

// Methods of transfer, Art. 6.
export const transferMethods = terms([
  { code: 'technical_documents', labelVi: 'Chuyển giao tài liệu kỹ thuật', labelEn: 'Technical documents' },
  { code: 'training', labelVi: 'Đào tạo', labelEn: 'Training' },
  { code: 'expert_assistance', labelVi: 'Cử chuyên gia tư vấn kỹ thuật', labelEn: 'Expert assistance' },
  { code: 'machinery_delivery', labelVi: 'Chuyển giao máy móc, thiết bị', labelEn: 'Delivery of machinery and equipment' },
  { code: 'other', labelVi: 'Phương thức khác theo thỏa thuận', labelEn: 'Other agreed method' },
])

export const iprStatuses = terms([
  { code: 'patent_granted', labelVi: 'Đã được cấp bằng độc quyền sáng chế', labelEn: 'Patent granted' },
  { code: 'patent_pending', labelVi: 'Đang nộp đơn đăng ký sáng chế', labelEn: 'Patent pending' },
  { code: 'utility_solution_granted', labelVi: 'Đã được cấp bằng giải pháp hữu ích', labelEn: 'Utility solution granted' },
  { code: 'utility_solution_pending', labelVi: 'Đang nộp đơn giải pháp hữu ích', labelEn: 'Utility solution pending' },
  { code: 'know_how', labelVi: 'Bí quyết (không đăng ký)', labelEn: 'Know-how (unregistered)' },
  { code: 'none', labelVi: 'Không có', labelEn: 'None' },
])

export const priceTypes = terms([
  { code: 'amount', labelVi: 'Giá cụ thể (VNĐ)', labelEn: 'Fixed amount (VND)' },
  { code: 'negotiable', labelVi: 'Thỏa thuận', labelEn: 'Negotiable' },
  { code: 'on_request', labelVi: 'Liên hệ', labelEn: 'On request' },
])

// Technology readiness levels (EU Horizon 2020, Annex G).
export const trlLevels = terms([
  { code: '1', labelVi: 'Nguyên lý cơ bản được quan sát', labelEn: 'Basic principles observed' },
  { code: '2', labelVi: 'Khái niệm công nghệ được hình thành', labelEn: 'Technology concept formulated' },
  { code: '3', labelVi: 'Chứng minh khái niệm bằng thực nghiệm', labelEn: 'Experimental proof of concept' },
  { code: '4', labelVi: 'Công nghệ được kiểm chứng trong phòng thí nghiệm', labelEn: 'Technology validated in lab' },
  { code: '5', labelVi: 'Công nghệ được kiểm chứng trong môi trường liên quan', labelEn: 'Technology validated in relevant environment' },
  { code: '6', labelVi: 'Công nghệ được trình diễn trong môi trường liên quan', labelEn: 'Technology demonstrated in relevant environment' },
  { code: '7', labelVi: 'Trình diễn mẫu hệ thống trong môi trường vận hành', labelEn: 'System prototype demonstration in operational environment' },
  { code: '8', labelVi: 'Hệ thống hoàn chỉnh và đạt chuẩn', labelEn: 'System complete and qualified' },
  { code: '9', labelVi: 'Hệ thống thực tế được chứng minh trong môi trường vận hành', labelEn: 'Actual system proven in operational environment' },
])

// S&T fields, level 1 (Circular 24/2025/TT-BKHCN).
export const scienceFields = terms([
  { code: '1', labelVi: 'Khoa học tự nhiên', labelEn: 'Natural sciences' },
  { code: '2', labelVi: 'Khoa học kỹ thuật và công nghệ', labelEn: 'Engineering and technology' },
  { code: '3', labelVi: 'Khoa học y, dược', labelEn: 'Medical and pharmaceutical sciences' },
  { code: '4', labelVi: 'Khoa học nông nghiệp', labelEn: 'Agricultural sciences' },
  { code: '5', labelVi: 'Khoa học xã hội', labelEn: 'Social sciences' },
  { code: '6', labelVi: 'Khoa học nhân văn', labelEn: 'Humanities' },
])

// Economic sectors: the sections of the Vietnam Standard Industrial Classification (VSIC 2018).
export const sectors = terms([
  { code: 'A', labelVi: 'Nông nghiệp, lâm nghiệp và thủy sản', labelEn: 'Agriculture, forestry and fishing' },
  { code: 'B', labelVi: 'Khai khoáng', labelEn: 'Mining and quarrying' },
  { code: 'C', labelVi: 'Công nghiệp chế biến, chế tạo', labelEn: 'Manufacturing' },
  {
    code: 'D',
    labelVi: 'Sản xuất và phân phối điện, khí đốt, nước nóng, hơi nước và điều hòa không khí',
    labelEn: 'Electricity, gas, steam and air conditioning supply',
  },
  { code: 'E', labelVi: 'Cung cấp nước; hoạt động quản lý và xử lý rác thải, nước thải', labelEn: 'Water supply; sewerage, waste management and remediation' },
  { code: 'F', labelVi: 'Xây dựng', labelEn: 'Construction' },
  { code: 'G', labelVi: 'Bán buôn và bán lẻ; sửa chữa ô tô, mô tô, xe máy', labelEn: 'Wholesale and retail trade; repair of motor vehicles' },
  { code: 'H', labelVi: 'Vận tải kho bãi', labelEn: 'Transportation and storage' },
  { code: 'I', labelVi: 'Dịch vụ lưu trú và ăn uống', labelEn: 'Accommodation and food service activities' },
  { code: 'J', labelVi: 'Thông tin và truyền thông', labelEn: 'Information and communication' },
  { code: 'K', labelVi: 'Hoạt động tài chính, ngân hàng và bảo hiểm', labelEn: 'Financial and insurance activities' },
  { code: 'L', labelVi: 'Hoạt động kinh doanh bất động sản', labelEn: 'Real estate activities' },
  { code: 'M', labelVi: 'Hoạt động chuyên môn, khoa học và công nghệ', labelEn: 'Professional, scientific and technical activities' },
  { code: 'N', labelVi: 'Hoạt động hành chính và dịch vụ hỗ trợ', labelEn: 'Administrative and support service activities' },
  {
    code: 'O',
    labelVi: 'Hoạt động của Đảng Cộng sản, tổ chức chính trị - xã hội, quản lý Nhà nước, an ninh quốc phòng',
    labelEn: 'Public administration and defence',
  },
  { code: 'P', labelVi: 'Giáo dục và đào tạo', labelEn: 'Education' },
  { code: 'Q', labelVi: 'Y tế và hoạt động trợ giúp xã hội', labelEn: 'Human health and social work activities' },
  { code: 'R', labelVi: 'Nghệ thuật, vui chơi và giải trí', labelEn: 'Arts, entertainment and recreation' },
  { code: 'S', labelVi: 'Hoạt động dịch vụ khác', labelEn: 'Other service activities' },
  { code: 'T', labelVi: 'Hoạt động làm thuê các công việc trong các hộ gia đình', labelEn: 'Activities of households as employers' },
  { code: 'U', labelVi: 'Hoạt động của các tổ chức và cơ quan quốc tế', labelEn: 'Activities of extraterritorial organisations' },
])

export const demandCloseReasons = terms([
  { code: 'fulfilled', labelVi: 'Đã tìm được công nghệ', labelEn: 'Fulfilled' },
  { code: 'no_longer_needed', labelVi: 'Không còn nhu cầu', labelEn: 'No longer needed' },
  { code: 'no_suitable_offer', labelVi: 'Không có đề xuất phù hợp', labelEn: 'No suitable offer' },
  { code: 'deadline_passed', labelVi: 'Hết hạn nhận đề xuất', labelEn: 'Deadline for offers passed' },
  { code: 'other', labelVi: 'Lý do khác', labelEn: 'Other' },
])

export const codesOf = <T extends { code: string }>(list: readonly T[]) => list.map((term) => term.code) as T['code'][]
