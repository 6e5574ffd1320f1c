import PhotosUI
import PhotoUploaderKit
import SiloClient
import SwiftUI

/// Pick, name and upload a photo; watch the transfers; browse the uploads with their thumbnails.
struct LibraryView: View {
    let library: PhotoLibrary
    @State private var upload: UploadModel
    @State private var gallery: GalleryModel
    @State private var selection: PhotosPickerItem?

    init(library: PhotoLibrary) {
        self.library = library
        _upload = State(initialValue: UploadModel(library: library))
        _gallery = State(initialValue: GalleryModel(library: library))
    }

    var body: some View {
        NavigationStack {
            List {
                Section("New upload") {
                    PhotosPicker("Pick a photo", selection: $selection, matching: .images)
                    TextField("Name", text: $upload.name)
                    Picker("Mode", selection: $upload.mode) {
                        ForEach(UploadModel.Mode.allCases, id: \.self) { Text($0.rawValue.capitalized) }
                    }
                    Button("Upload") { Task { await upload.upload() } }.disabled(!upload.canUpload)
                    if let message = upload.message { Text(message).font(.footnote) }
                }
                Section("Transfers") {
                    ForEach(upload.transfers.transfers) { transfer in
                        VStack(alignment: .leading) {
                            Text(transfer.key).lineLimit(1)
                            ProgressView(value: transfer.progress.fractionCompleted ?? 0)
                            Text(transfer.state.rawValue).font(.caption)
                        }
                        .swipeActions {
                            Button("Pause") { Task { await upload.pause(transfer.id) } }
                            Button("Cancel", role: .destructive) { Task { await upload.cancel(transfer.id) } }
                        }
                    }
                }
                Section("Uploads") {
                    ForEach(gallery.items) { item in
                        HStack {
                            AsyncImage(url: item.thumbnail) { $0.resizable().scaledToFit() } placeholder: { Color.gray }
                                .frame(width: 60, height: 60)
                            VStack(alignment: .leading) {
                                Text(item.title)
                                Text(item.dimensions ?? "").font(.caption)
                            }
                        }
                    }
                }
            }
            .refreshable { await gallery.refresh() }
            .task {
                await library.transfers.restore()
                await gallery.refresh()
            }
            .onChange(of: selection) { _, item in
                Task {
                    guard let data = try? await item?.loadTransferable(type: Data.self) else { return }
                    // Into the container: the transfer manager keeps paths relative to it.
                    let file = URL.documentsDirectory.appendingPathComponent("picked-\(UUID().uuidString).jpg")
                    try? data.write(to: file)
                    upload.pick(file)
                }
            }
            .navigationTitle("Photos")
        }
    }
}
