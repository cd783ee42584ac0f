import { attachmentRenderers, roomPanels } from '../../plugins';
import { AudioAttachment, FileAttachment, fileKind, ImageAttachment, VideoAttachment } from './Attachments';
import { FilesPanel } from './FilesPanel';

// The files feature plugs into the core views through the extension points.
export function registerFiles() {
	attachmentRenderers.add({ id: 'image', test: (a) => fileKind(a) === 'image', component: ImageAttachment });
	attachmentRenderers.add({ id: 'audio', test: (a) => fileKind(a) === 'audio', component: AudioAttachment });
	attachmentRenderers.add({ id: 'video', test: (a) => fileKind(a) === 'video', component: VideoAttachment });
	attachmentRenderers.add({ id: 'file', test: (a) => fileKind(a) === 'file', component: FileAttachment });
	roomPanels.add({ id: 'files', title: 'Files', icon: 'clip', order: 45, inHeader: true, component: FilesPanel });
}
