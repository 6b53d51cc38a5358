import CHDF5
import Chemistry
import Foundation

/// What a group member is.
public enum HDF5MemberKind: String, Sendable, Equatable {
    case group, dataset, other
}

/// How a dataset is stored when written.
public struct HDF5Storage: Sendable, Equatable {
    /// Chunk shape (clamped to the dataset's shape); `nil` with gzip picks chunks of
    /// whole rows along the first axis, about 64 Ki elements each.
    public var chunk: [Int]?
    /// gzip (deflate) level 0…9, or `nil` for no compression.
    public var gzipLevel: Int?

    public init(chunk: [Int]? = nil, gzipLevel: Int? = nil) {
        self.chunk = chunk
        self.gzipLevel = gzipLevel
    }

    /// Contiguous, uncompressed.
    public static let contiguous = HDF5Storage()
    /// Chunked along the first axis with gzip level 4.
    public static let compressed = HDF5Storage(gzipLevel: 4)
}

/// A group: an ordered set of named members (groups and datasets).
public final class HDF5Group: HDF5Object, @unchecked Sendable {
    /// Member names in the group's iteration order: creation order when the group
    /// tracks it (MetaMLIP's `/tasks` does), otherwise name order (as h5py lists them).
    public func memberNames() throws -> [String] {
        try withHDF5 {
            var info = H5G_info_t()
            try h5check(H5Gget_info(id, &info), file: file.path, item: path, "reading group info")
            var order = H5_INDEX_NAME
            let gcpl = H5Gget_create_plist(id)
            if gcpl >= 0 {
                var flags: UInt32 = 0
                if H5Pget_link_creation_order(gcpl, &flags) >= 0, flags & UInt32(H5P_CRT_ORDER_INDEXED) != 0 {
                    order = H5_INDEX_CRT_ORDER
                }
                H5Pclose(gcpl)
            }
            return try (0..<Int(info.nlinks)).map { i in
                let size = H5Lget_name_by_idx(id, ".", order, H5_ITER_INC, hsize_t(i), nil, 0, mm_h5p_default())
                try h5check(size, file: file.path, item: path, "listing members")
                var buffer = [CChar](repeating: 0, count: Int(size) + 1)
                H5Lget_name_by_idx(id, ".", order, H5_ITER_INC, hsize_t(i), &buffer, buffer.count, mm_h5p_default())
                return String(cString: buffer)
            }
        }
    }

    /// Members with their kinds, in `memberNames()` order.
    public func members() throws -> [(name: String, kind: HDF5MemberKind)] {
        try memberNames().map { ($0, kind(of: $0)) }
    }

    /// Names of the member groups, in order.
    public func subgroupNames() throws -> [String] { try members().filter { $0.kind == .group }.map(\.name) }

    /// Names of the member datasets, in order.
    public func datasetNames() throws -> [String] { try members().filter { $0.kind == .dataset }.map(\.name) }

    /// True when a link `name` exists in this group.
    public func contains(_ name: String) -> Bool {
        withHDF5 { H5Lexists(id, name, mm_h5p_default()) > 0 }
    }

    /// The kind of member `name` (`.other` when missing, a dangling link or a named type).
    public func kind(of name: String) -> HDF5MemberKind {
        withHDF5 {
            guard H5Lexists(id, name, mm_h5p_default()) > 0 else { return .other }
            let object = H5Oopen(id, name, mm_h5p_default())
            guard object >= 0 else { return .other }
            defer { H5Oclose(object) }
            switch H5Iget_type(object) {
            case H5I_GROUP: return .group
            case H5I_DATASET: return .dataset
            default: return .other
            }
        }
    }

    /// The member group `name`; throws `DataError` "group is missing" when absent.
    public func group(_ name: String) throws -> HDF5Group {
        try withHDF5 {
            let item = childPath(name)
            guard kind(of: name) == .group else {
                throw error(contains(name) ? "is not a group" : "group is missing", item: item)
            }
            let gid = try h5check(H5Gopen2(id, name, mm_h5p_default()), file: file.path, item: item, "opening group")
            return HDF5Group(file: file, path: item, id: gid)
        }
    }

    /// The member dataset `name`; throws `DataError` "required dataset is missing" when absent.
    public func dataset(_ name: String) throws -> HDF5Dataset {
        try withHDF5 {
            let item = childPath(name)
            guard kind(of: name) == .dataset else {
                throw error(contains(name) ? "is not a dataset" : "required dataset is missing", item: item)
            }
            let did = try h5check(H5Dopen2(id, name, mm_h5p_default()), file: file.path, item: item, "opening dataset")
            return try HDF5Dataset(file: file, path: item, datasetID: did)
        }
    }

    /// The member dataset `name`, or `nil` when there is no dataset of that name.
    public func datasetIfPresent(_ name: String) throws -> HDF5Dataset? {
        kind(of: name) == .dataset ? try dataset(name) : nil
    }

    // MARK: Writing

    /// Creates a member group. With `trackingOrder`, its members list in creation order.
    @discardableResult
    public func createGroup(_ name: String, trackingOrder: Bool = false) throws -> HDF5Group {
        try withHDF5 {
            let item = childPath(name)
            var gcpl = mm_h5p_default()
            if trackingOrder {
                gcpl = try h5check(H5Pcreate(mm_h5p_group_create()), file: file.path, item: item, "creating group properties")
                H5Pset_link_creation_order(gcpl, UInt32(H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED))
            }
            defer { if trackingOrder { H5Pclose(gcpl) } }
            let gid = try h5check(H5Gcreate2(id, name, mm_h5p_default(), gcpl, mm_h5p_default()),
                                  file: file.path, item: item, "creating group")
            return HDF5Group(file: file, path: item, id: gid)
        }
    }

    /// Creates dataset `name` of shape `shape` (row-major, `values.count` = product of
    /// `shape`) holding `values`, stored as `T`'s little-endian file type.
    @discardableResult
    public func createDataset<T: HDF5Numeric>(_ name: String, values: [T], shape: [Int],
                                              storage: HDF5Storage = .contiguous) throws -> HDF5Dataset {
        let item = childPath(name)
        guard shape.reduce(1, *) == values.count else {
            throw error("\(values.count) values do not fill shape \(HDF5Dataset.format(shape))", item: item)
        }
        return try createDataset(name, fileType: T.hdf5FileType, shape: shape, storage: storage) { did in
            values.withUnsafeBufferPointer { H5Dwrite(did, T.hdf5MemoryType, mm_h5s_all(), mm_h5s_all(), mm_h5p_default(), $0.baseAddress) }
        }
    }

    /// Creates a 1-D dataset of strings: variable-length UTF-8 (default), or with
    /// `fixedLength` NUL-padded byte strings as long as the longest (numpy's `|S<n>`).
    @discardableResult
    public func createStringDataset(_ name: String, strings: [String], fixedLength: Bool = false,
                                    storage: HDF5Storage = .contiguous) throws -> HDF5Dataset {
        if fixedLength {
            let size = max(1, strings.map(\.utf8.count).max() ?? 1)
            let type = try withHDF5 {
                let type = try h5check(H5Tcopy(mm_h5t_c_s1()), file: file.path, item: childPath(name), "creating string type")
                H5Tset_size(type, size)
                H5Tset_strpad(type, H5T_STR_NULLPAD)
                return type
            }
            defer { withHDF5 { _ = H5Tclose(type) } }
            var bytes = [UInt8](repeating: 0, count: size * strings.count)
            for (i, string) in strings.enumerated() {
                for (j, byte) in string.utf8.enumerated() { bytes[i * size + j] = byte }
            }
            return try createDataset(name, fileType: type, shape: [strings.count], storage: storage) { did in
                bytes.withUnsafeBytes { H5Dwrite(did, type, mm_h5s_all(), mm_h5s_all(), mm_h5p_default(), $0.baseAddress) }
            }
        }
        let type = try makeVariableStringType(file: file.path, item: childPath(name))
        defer { withHDF5 { _ = H5Tclose(type) } }
        return try createDataset(name, fileType: type, shape: [strings.count], storage: storage) { did in
            // strdup'd copies give stable C pointers for the whole write.
            let pointers: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) }
            defer { pointers.forEach { free($0) } }
            return pointers.withUnsafeBufferPointer {
                H5Dwrite(did, type, mm_h5s_all(), mm_h5s_all(), mm_h5p_default(), $0.baseAddress)
            }
        }
    }

    private func createDataset(_ name: String, fileType: hid_t, shape: [Int], storage: HDF5Storage,
                               write: (hid_t) -> herr_t) throws -> HDF5Dataset {
        try withHDF5 {
            let item = childPath(name)
            var dims = shape.map { hsize_t($0) }
            let space = try h5check(H5Screate_simple(Int32(shape.count), &dims, nil), file: file.path, item: item, "creating dataspace")
            defer { H5Sclose(space) }
            let dcpl = try h5check(H5Pcreate(mm_h5p_dataset_create()), file: file.path, item: item, "creating dataset properties")
            defer { H5Pclose(dcpl) }
            let total = shape.reduce(1, *)
            if (storage.chunk != nil || storage.gzipLevel != nil), total > 0, !shape.isEmpty {
                var chunk = storage.chunk ?? {
                    let rowSize = max(1, shape.dropFirst().reduce(1, *))
                    return [max(1, 65536 / rowSize)] + shape.dropFirst()
                }()
                guard chunk.count == shape.count else {
                    throw error("chunk rank \(chunk.count) does not match shape \(HDF5Dataset.format(shape))", item: item)
                }
                chunk = zip(chunk, shape).map { max(1, min($0, $1)) }
                var cdims = chunk.map { hsize_t($0) }
                try h5check(H5Pset_chunk(dcpl, Int32(chunk.count), &cdims), file: file.path, item: item, "setting chunks")
                if let level = storage.gzipLevel {
                    try h5check(H5Pset_deflate(dcpl, UInt32(max(0, min(9, level)))), file: file.path, item: item, "enabling gzip")
                }
            }
            let did = try h5check(H5Dcreate2(id, name, fileType, space, mm_h5p_default(), dcpl, mm_h5p_default()),
                                  file: file.path, item: item, "creating dataset")
            let dataset = try HDF5Dataset(file: file, path: item, datasetID: did)
            if total > 0 {
                try h5check(write(did), file: file.path, item: item, "writing dataset")
            }
            return dataset
        }
    }
}
